// Generates the Prisma client (`npm run generate`, and after every `npm ci`/`npm install`), offline.
// `prisma generate` needs no engine binary, but the CLI tries to download the schema engine at start-up unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file; where the real engine is installed, that path wins.
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  const placeholder = path.join(root, 'node_modules', '.cache', 'prisma-schema-engine-not-needed');
  mkdirSync(path.dirname(placeholder), { recursive: true });
  if (!existsSync(placeholder)) writeFileSync(placeholder, '');
  env.PRISMA_SCHEMA_ENGINE_BINARY = placeholder;
}
execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
