/**
 * What bench and chaos take from the tool installers: whether the Temporal server is built (and the command that
 * builds it), and a working temporal CLI. The rest of this folder is `npm run tools`' own; lint keeps bench and chaos
 * to this entry.
 */
export { cachedTemporalServer, TEMPORAL_SERVER_BUILD_COMMAND } from './temporal-server';
export { ensureTemporalCli } from './temporal-cli';
