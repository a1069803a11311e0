import type { Log } from '../../src/logging/log';

/** For tests that are not about logs. */
export const silentLog: Log = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
