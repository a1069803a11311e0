import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { startHttpServer, type RunningHttpServer } from '../../src/api/http-server';
import { createServiceApp } from '../../src/api/service-app';

export const silentLog = { info() {}, warn() {}, error() {} };

/** The real API over real HTTP on a free loopback port, talking to the test's Postgres and Temporal. */
export function startApi(
  env: TestWorkflowEnvironment,
  options: { db: Db; taskQueue: string; deliveryTime?: string },
): Promise<RunningHttpServer> {
  const app = createServiceApp({
    db: options.db,
    temporal: env.client,
    taskQueue: options.taskQueue,
    deliveryTime: options.deliveryTime ?? '09:00',
    log: silentLog,
  });
  return startHttpServer(app, '127.0.0.1', 0);
}

/** A JSON request to the API; returns the status and the parsed body (null when empty). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
