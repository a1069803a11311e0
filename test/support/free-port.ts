// The service's own helper; tests pick ports the same way.
export { freePort } from '../../src/dev/free-port';
