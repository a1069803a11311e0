import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { greetingSearchAttributes } from '../workflows/definitions';
import { cliTypeName } from './search-attribute-cli';

/** gRPC status codes (PERMISSION_DENIED, UNIMPLEMENTED) of a server that will not list search attributes for us. */
const NOT_ALLOWED_TO_LIST = [7, 12];

/** The namespace lacks search attributes the workflows write; starting them would fail, so the process does not start. */
export class MissingSearchAttributesError extends Error {
  override name = 'MissingSearchAttributesError';
}

/**
 * Checks at start-up that the namespace has every greeting search attribute, and names the commands that register
 * the missing ones. A server that does not let us list them (Temporal Cloud without operator rights) is trusted and
 * reported through `warn`.
 */
export async function requireSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
  warn: (message: string) => void,
): Promise<void> {
  let registered: Set<string>;
  try {
    const answer = await connection.operatorService.listSearchAttributes({ namespace });
    registered = new Set(Object.keys(answer.customAttributes ?? {}));
  } catch (error) {
    if (isGrpcServiceError(error) && NOT_ALLOWED_TO_LIST.includes(error.code)) {
      warn(
        `could not list the search attributes of namespace ${namespace} (${error.details}); assuming they are registered`,
      );
      return;
    }
    throw error;
  }
  const missing = greetingSearchAttributes.filter((key) => !registered.has(key.name));
  if (missing.length === 0) return;
  const commands = missing.map(
    (key) =>
      `  temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${cliTypeName(key.type)}`,
  );
  throw new MissingSearchAttributesError(
    `namespace ${namespace} lacks the search attributes ${missing.map((key) => key.name).join(', ')}; register them with:\n${commands.join('\n')}`,
  );
}

/**
 * Registers every greeting search attribute with the namespace (a self-hosted cluster with operator rights, or the
 * time-skipping test server; the dev server gets them as start flags instead).
 */
export async function registerSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<void> {
  const types = temporal.api.enums.v1.IndexedValueType;
  const searchAttributes = Object.fromEntries(
    greetingSearchAttributes.map((key) => [key.name, types[`INDEXED_VALUE_TYPE_${key.type}`]]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}
