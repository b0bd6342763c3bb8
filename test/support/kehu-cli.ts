// The `kehu` command line as a test process: src/main.ts's commands, with the test license key from
// a file named by an env var that only this test entry reads (never src/).
import fs from 'node:fs';
import { loadConfig } from '../../src/config/load';
import { parseCommand, reasonOf } from '../../src/cli/commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    const { command, values } = parseCommand(name ?? '', rest);
    const keyFile = process.env.KEHU_TEST_LICENSE_PUBLIC_KEY_FILE;
    const { config, warnings } = loadConfig();
    await command.run(config, values, warnings, keyFile ? { licensePublicKey: fs.readFileSync(keyFile, 'utf8') } : {});
    return 0;
  } catch (err) {
    console.error(`kehu ${name}: ${reasonOf(err)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
