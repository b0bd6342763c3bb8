// Entry point of a Kehu process started by the test launcher: the real server (serve()), with
// configuration from the environment like production, plus test-only options that never ship.
import { loadConfig } from '../../src/config/load';
import { serve } from '../../src/server';

const { config, warnings } = loadConfig();
serve(config, warnings).catch((err) => {
  console.error(`kehu test process failed: ${err.message}`);
  process.exit(1);
});
