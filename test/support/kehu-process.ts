// Entry point of a Kehu process started by the test launcher: the real server (serve()), with
// configuration from the environment like production, plus test-only options that never ship:
// the test license key and a license signed with it, from files named by env vars that only this
// test entry reads (src/ has no way to take a license key from the environment).
import fs from 'node:fs';
import { loadConfig } from '../../src/config/load';
import { serve } from '../../src/server';

const keyFile = process.env.KEHU_TEST_LICENSE_PUBLIC_KEY_FILE;
const licenseFile = process.env.KEHU_TEST_LICENSE_FILE;

const { config, warnings } = loadConfig();
serve(config, warnings, {
  ...(keyFile ? { licensePublicKey: fs.readFileSync(keyFile, 'utf8') } : {}),
  ...(keyFile && licenseFile ? { license: fs.readFileSync(licenseFile, 'utf8') } : {}),
}).catch((err) => {
  console.error(`kehu test process failed: ${err.message}`);
  process.exit(1);
});
