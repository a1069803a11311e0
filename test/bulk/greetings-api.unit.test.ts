import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiCallError, GreetingsApi } from '../../src/bulk/greetings-api';

// How the bulk commands call the API: with the Bearer key, sending a request again after a 429 or 503 once
// Retry-After has passed, and giving up on an answer that says the request itself is wrong.

let server: Server;
let url: string;
let answers: { status: number; headers?: Record<string, string>; body: unknown }[];
const seen: { authorization: string | undefined; body: string }[] = [];
const waits: number[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ authorization: request.headers.authorization, body });
      const answer = answers.shift()!;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((done) => server.close(done)));

beforeEach(() => {
  seen.length = 0;
  waits.length = 0;
});

const api = () =>
  new GreetingsApi(url, 'the-key', {
    giveUpAfterMs: 60_000,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });

const report = { created: 1, updated: 0, unchanged: 0, refused: 0, rows: [] };
const busy = (code: string) => ({ error: { code, message: 'busy', details: [] } });

test('a 429 and a 503 are sent again after their Retry-After, with the same rows and the key', async () => {
  answers = [
    { status: 429, headers: { 'retry-after': '3' }, body: busy('rate_limited') },
    { status: 503, body: busy('scheduler_unavailable') },
    { status: 200, body: report },
  ];
  expect(await api().importRows([{ firstName: 'Ada' }])).toEqual(report);
  expect(waits).toEqual([3_000, 1_000]);
  expect(seen).toHaveLength(3);
  expect(new Set(seen.map((request) => request.body))).toEqual(new Set(['[{"firstName":"Ada"}]']));
  expect(seen.every((request) => request.authorization === 'Bearer the-key')).toBe(true);
});

test('a 4xx that is about the request itself stops at once with the API’s answer', async () => {
  answers = [{ status: 401, body: busy('unauthorized') }];
  await expect(api().importRows([])).rejects.toThrow(ApiCallError);
  expect(seen).toHaveLength(1);
});

test('gives up once retrying would pass its deadline', async () => {
  answers = Array.from({ length: 100 }, () => ({
    status: 503,
    headers: { 'retry-after': '30' },
    body: busy('overloaded'),
  }));
  await expect(api().importRows([])).rejects.toThrow(/gave up/);
  expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(60_000);
});
