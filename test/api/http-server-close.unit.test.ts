import { Agent, request } from 'node:http';
import { Hono } from 'hono';
import { startHttpServer } from '../../src/http/http-server';

/** One GET on a keep-alive agent; resolves with the status or the network error's code. */
function get(url: string, agent: Agent): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(`${url}/slow`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.end();
  });
}

test('closing the server ends keep-alive connections a client keeps sending on, after the grace', async () => {
  const app = new Hono().get('/slow', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return c.text('ok');
  });
  const server = await startHttpServer(app, '127.0.0.1', 0, 300);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let sending = true;
  const answers: (number | string)[] = [];
  // Four clients that send again as soon as they have an answer, as a bulk import does, until told to stop.
  const clients = Array.from({ length: 4 }, async () => {
    while (sending) answers.push(await get(server.url, agent));
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(answers.filter((answer) => answer === 200).length).toBeGreaterThan(0);

  await server.close();
  sending = false;
  await Promise.all(clients);
  agent.destroy();

  // Closed: a new connection is refused.
  expect(await get(server.url, new Agent())).toBe('ECONNREFUSED');
});
