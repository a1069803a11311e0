import { Hono } from 'hono';

/** A dependency the service needs to do its work, checked by GET /ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 3_000;

export function healthRoutes(checks: ReadinessCheck[]): Hono {
  const routes = new Hono();

  // The process is up and serving HTTP.
  routes.get('/health', (c) => c.json({ status: 'ok' }));

  // Postgres and Temporal answer: the service can take and deliver work.
  routes.get('/ready', async (c) => {
    const results = await Promise.all(checks.map(runCheck));
    const ready = results.every((result) => result.ok);
    const body = { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results.map(toEntry)) };
    return c.json(body, ready ? 200 : 503);
  });

  return routes;
}

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { name: check.name, ok: true };
  } catch (error) {
    return { name: check.name, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

function toEntry(result: { name: string; ok: boolean; error?: string }) {
  return [result.name, result.ok ? { status: 'up' } : { status: 'down', error: result.error }] as const;
}
