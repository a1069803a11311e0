/**
 * The node flags every worker process starts with: npm start's worker process, `npm run worker` and the worker
 * container (docker-compose.yml). Flags, not settings: V8 reads them only when the process starts.
 *
 * Left to its defaults, V8 lets each of the worker's two heaps (the main thread's and the workflow thread's) fill with
 * garbage towards a ~4 GB limit (young generations of up to 192 MB included) before collecting it: a 3,000-greeting
 * rush held the worker at 1.5 GB. With a 256 MB old space and 2 MB semi-spaces it stayed under 400 MB for a few ms
 * more CPU per greeting (docs/benchmarks/README.md, "Worker memory"). A 192 MB old space was too small: garbage
 * collection took all the CPU.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=2'];
