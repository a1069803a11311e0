import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { createDb, type Db } from '../db/client';
import { connectClient } from '../temporal/connect';
import { temporalConnection } from '../temporal/connection-options';
import { GreetingWorkflows } from '../temporal/greeting-workflows';
import { requireSearchAttributes } from '../temporal/search-attribute-registration';

/** What the API, the worker, the reconciler and `npm start` open the same way. */
export interface ProcessConnections {
  db: Db;
  temporal: Client;
  /** TEMPORAL_NAMESPACE, else the profile's, else `default`: the namespace of `temporal`. */
  namespace: string;
  /** The service's side of the users' workflows on the configured task queue. */
  greetingWorkflows(callTimeoutMs: number): GreetingWorkflows;
  /** A worker's connection to the same Temporal; closed with the rest. */
  connectWorker(): Promise<NativeConnection>;
  /** Closes everything opened here, the last opened first. */
  close: () => Promise<void>;
}

export interface OpenOptions {
  /** Receives the start-up check's warning when the server does not let us list its search attributes. */
  warn: (message: string) => void;
  /** The Postgres `npm start` runs, when DATABASE_URL is unset. */
  databaseUrl?: string;
  /** The dev server `npm start` runs, when no Temporal address is configured. */
  devServerAddress?: string;
}

/**
 * Opens Postgres and a Temporal client from the settings, and checks that the namespace has the greeting search
 * attributes. Settings and certificate files are checked before anything is opened; a failure half-way closes what
 * was already open.
 */
export async function openConnections(config: Config, options: OpenOptions): Promise<ProcessConnections> {
  const temporalTarget = temporalConnection(config, options.devServerAddress);
  const databaseUrl = options.databaseUrl ?? requireSetting(config, 'DATABASE_URL');
  const closers: Array<() => Promise<void>> = [];
  const close = () => closeInReverse(closers);
  try {
    const db = createDb(databaseUrl);
    closers.push(() => db.$disconnect());
    const temporal = await connectClient(temporalTarget);
    closers.push(() => temporal.connection.close());
    await requireSearchAttributes(temporal.connection, temporalTarget.namespace, options.warn);
    return {
      db,
      temporal,
      namespace: temporalTarget.namespace,
      greetingWorkflows: (callTimeoutMs) =>
        new GreetingWorkflows(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE, callTimeoutMs }),
      async connectWorker() {
        const connection = await NativeConnection.connect(temporalTarget.options);
        closers.push(() => connection.close());
        return connection;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs every closer, the last added first, even when one fails; the first failure is thrown afterwards. */
async function closeInReverse(closers: Array<() => Promise<void>>): Promise<void> {
  const failures: unknown[] = [];
  for (let closer = closers.pop(); closer; closer = closers.pop()) {
    await closer().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}
