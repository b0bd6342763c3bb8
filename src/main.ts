// The `kehu` command line: `kehu serve`, `kehu migrate [--status]`, `kehu user:create` ...
// It reads the same configuration and environment as the server.
import { ConfigError, loadConfig } from './config/load';
import { helpText, parseCommand, reasonOf } from './cli/commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText());
    return name ? 0 : 1;
  }
  try {
    const { command, values } = parseCommand(name, rest);
    if (values.help) {
      console.log(`${command.summary}\n\nUsage: ${command.usage}`);
      return 0;
    }
    const { config, warnings } = loadConfig();
    await command.run(config, values, warnings);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) console.error(`kehu: ${err.message}`);
    else console.error(`kehu ${name}: ${reasonOf(err)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  // `serve` keeps running; every other command exits with its code.
  if (process.argv[2] !== 'serve' || code !== 0) process.exitCode = code;
});
