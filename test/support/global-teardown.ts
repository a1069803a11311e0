export default async function globalTeardown(): Promise<void> {
  const postgres = (globalThis as { testPostgres?: { stop(): Promise<void> } }).testPostgres;
  await postgres?.stop();
}
