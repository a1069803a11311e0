import { defineConfig } from 'prisma/config';

// DATABASE_URL is only needed by commands that talk to a database (`prisma migrate deploy` where the engine exists);
// `prisma generate` runs without it.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/yearly_greetings' },
});
