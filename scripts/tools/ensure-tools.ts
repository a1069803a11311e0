/**
 * Installs the tools this project runs, once per machine (cached per user) and per clone (`.tools/`).
 *   npm run tools                            the temporal CLI (dev server for `npm start`)
 *   tsx scripts/tools/ensure-tools.ts --for-tests   also the time-skipping test server and schemathesis (PyPI, for
 *                                            test/api/schemathesis.test.ts; `npm test` runs this)
 *   npm run tools -- --temporal-server       also the Temporal server of docker-compose.yml, built from source
 *                                            (about 10 minutes the first time, so neither `npm start` nor `npm test`
 *                                            builds it; `npm run temporal-server` does)
 * Prints the resolved paths on stdout and progress on stderr; on failure says what is missing and exits 1.
 */
import { ensureSchemathesis } from './schemathesis';
import { ensureTemporalCli } from './temporal-cli';
import { ensureTemporalServer } from './temporal-server';
import { ensureTimeSkippingTestServer } from './test-server';

const FLAGS = ['--for-tests', '--temporal-server'];
const USAGE = `usage: tsx scripts/tools/ensure-tools.ts [${FLAGS.join('] [')}]`;

async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((arg) => !FLAGS.includes(arg));
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
    return 2;
  }
  const forTests = args.includes('--for-tests');
  const options = { env: process.env, log: (line: string) => process.stderr.write(`[tools] ${line}\n`) };

  // Side by side: on a fresh machine the Go build takes minutes and the Maven fetch fits inside it.
  const tools = [{ name: 'temporal CLI', ensure: () => ensureTemporalCli(options) }];
  if (forTests) {
    tools.push({ name: 'time-skipping test server', ensure: () => ensureTimeSkippingTestServer(options) });
    tools.push({
      name: 'schemathesis',
      ensure: async () => {
        const st = await ensureSchemathesis(options);
        return [st.command, ...st.prefix].join(' ');
      },
    });
  }
  if (args.includes('--temporal-server')) {
    tools.push({ name: 'Temporal server', ensure: async () => (await ensureTemporalServer(options)).server });
  }
  const results = await Promise.allSettled(tools.map((tool) => tool.ensure()));

  let failed = false;
  results.forEach((result, index) => {
    const name = tools[index]?.name ?? '';
    if (result.status === 'fulfilled') {
      process.stdout.write(`${name}: ${result.value}\n`);
    } else {
      failed = true;
      const reason: unknown = result.reason;
      process.stderr.write(`error: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    }
  });
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
