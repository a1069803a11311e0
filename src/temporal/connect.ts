import { Client, Connection } from '@temporalio/client';
import type { TemporalConnection } from './connection-options';

/** A client for the API and tests. Connects eagerly so a wrong address fails at start-up, not on first use. */
export async function connectClient({ options, namespace }: TemporalConnection): Promise<Client> {
  return new Client({ connection: await Connection.connect(options), namespace });
}
