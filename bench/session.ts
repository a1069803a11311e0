import { ApiClient } from './api-client';
import type { DuePlan } from './due-instant';
import type { BenchOptions } from './options';
import { ProcessUsage } from './process-usage';
import type { BenchReceiver } from './receiver';
import { attachStack, startStack, type BenchStack } from './stack';
import { TemporalProbe } from './visibility';

/** A stack to benchmark, its API, its Temporal, and (when the bench started it) its processes' usage. */
export interface Session {
  stack: BenchStack;
  api: ApiClient;
  temporal: TemporalProbe;
  usage: ProcessUsage | undefined;
  /** The due instant the worker was started for (burst, scale). */
  due: DuePlan | undefined;
  close(): Promise<void>;
}

export interface DueSchedule {
  /** The due plan for a stack that may take `startupAllowanceMs` to start, or, attached, for its DELIVERY_TIME. */
  plan(startupAllowanceMs: number): DuePlan;
  /** Time the bench needs between the stack being ready and the due instant (creating the users). */
  neededMs: number;
}

/**
 * Starts the stack (or attaches to a running one with --api) with the worker's DELIVERY_TIME set for `due`. A stack
 * that came up too late for its users to be created before the due instant is started again, once, with more time.
 */
export async function openSession(
  options: BenchOptions,
  receiver: BenchReceiver,
  due: DueSchedule | undefined,
): Promise<Session> {
  let stack: BenchStack;
  let plan: DuePlan | undefined;
  if (options.api) {
    plan = due?.plan(0);
    stack = attachStack({
      apiUrl: options.api,
      apiKey: options.apiKey!,
      databaseUrl: options.databaseUrl!,
      temporalAddress: options.temporalAddress,
    });
  } else {
    let allowanceMs = options.startupAllowanceSeconds * 1000;
    for (let attempt = 1; ; attempt++) {
      plan = due?.plan(allowanceMs);
      console.log(
        `starting the stack (npm start, engine ${options.engine}, ${options.workers} worker process${options.workers === 1 ? '' : 'es'})` +
          (plan
            ? `: DELIVERY_TIME ${plan.deliveryTime}, users due ${new Date(plan.dueMs).toISOString()} in ${plan.timezone}`
            : ''),
      );
      stack = await startStack({
        engine: options.engine,
        workers: options.workers,
        webhookUrl: receiver.urlFor('temporal'),
        deliveryTime: plan?.deliveryTime ?? '09:00',
        keepData: options.keepData,
      });
      console.log(`stack running after ${((stack.startupMs ?? 0) / 1000).toFixed(1)} s: API ${stack.apiUrl}`);
      if (!plan || !due || Date.now() + due.neededMs <= plan.dueMs || attempt === 2) break;
      allowanceMs = Math.ceil((stack.startupMs ?? allowanceMs) * 1.5);
      console.log(
        `the stack started too late to create every user before they are due: restarting it, allowing ${Math.round(allowanceMs / 1000)} s`,
      );
      await stack.stop();
    }
  }
  const usage = stack.processes.length > 0 ? new ProcessUsage(stack.processes) : undefined;
  receiver.identifySenders(
    new Map(stack.processes.flatMap((process) => (process.sender ? [[process.pid, process.sender] as const] : []))),
  );
  usage?.start();
  const temporal = await TemporalProbe.connect(stack.temporalAddress);
  return {
    stack,
    api: new ApiClient(stack.apiUrl, stack.apiKey),
    temporal,
    usage,
    due: plan,
    async close() {
      usage?.stop();
      await temporal.close();
      await stack.stop();
    },
  };
}
