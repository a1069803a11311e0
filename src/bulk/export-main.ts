import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { userFieldNames } from '../api/schemas';
import { commandOrExit, EXPORT_USAGE, parseExportCommand } from './command-line';
import { exportUsers } from './export-users';
import { GreetingsApi } from './greetings-api';

/** `npm run export -- out.csv`: every live user as CSV, in the form `npm run import` takes. */
async function main(): Promise<number> {
  const parsed = await commandOrExit(() => parseExportCommand(process.argv.slice(2), process.env), EXPORT_USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command } = parsed;
  const out = command.file === undefined ? process.stdout : createWriteStream(command.file);
  const write = async (csv: string) => {
    if (!out.write(csv)) await once(out, 'drain');
  };
  const count = await exportUsers(new GreetingsApi(command.url, command.apiKey), userFieldNames, write);
  if (command.file !== undefined) {
    out.end();
    await once(out, 'finish');
    console.error(`${command.file}: ${count} users`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
