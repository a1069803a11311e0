import { distribution, type Distribution } from '../bench/stats';
import type { FaultCounts, FaultKind } from './fault-plan';
import type { ReceivedPost, ReceiverAnswer } from './faulty-receiver';
import type { LedgerRow } from './ledger-rows';

export interface Check {
  name: string;
  ok: boolean;
  /** What was found, as a person reads it. */
  found: string;
}

/** What the chaos run counted, and whether the promise held: one greeting per user and year, none lost. */
export interface ChaosVerdict {
  ok: boolean;
  checks: Check[];
  figures: {
    users: number;
    due: number;
    ledgerByStatus: Record<string, number>;
    usersDeliveredOnce: number;
    posts: number;
    answers: Record<ReceiverAnswer, number>;
    distinctKeysReceived: number;
    distinctKeysTaken: number;
    /** POSTs whose Idempotency-Key had been received before (allowed: the receiver dedups them). */
    repeatPosts: number;
    /** Of those, POSTs of a key the receiver had already answered 200 (a sender that did not learn of its success). */
    repeatsAfterTaken: number;
    /** Users that got POSTs under more than one Idempotency-Key: a doubled greeting. */
    usersWithSeveralKeys: number;
    unsignedPosts: number;
    postsForOtherUsers: number;
    /** First 200 answer minus the due instant, per user. */
    latenessMs: Distribution;
    faults: Record<FaultKind, number>;
  };
}

export interface VerdictInput {
  userIds: string[];
  occurrenceYear: number;
  dueMs: number;
  ledger: LedgerRow[];
  posts: ReceivedPost[];
  faults: { kind: FaultKind }[];
  wanted: FaultCounts;
}

export function judge(input: VerdictInput): ChaosVerdict {
  const due = input.userIds.length;
  const users = new Set(input.userIds);
  const ledgerByStatus: Record<string, number> = {};
  const deliveredRows = new Map<string, number>();
  for (const row of input.ledger) {
    ledgerByStatus[row.status] = (ledgerByStatus[row.status] ?? 0) + 1;
    if (row.status === 'delivered') deliveredRows.set(row.userId, (deliveredRows.get(row.userId) ?? 0) + 1);
  }
  const usersDeliveredOnce = [...deliveredRows.values()].filter((count) => count === 1).length;
  const ledgerDeliveredKeys = new Set(
    input.ledger.filter((row) => row.status === 'delivered').map((row) => row.idempotencyKey),
  );

  const answers: Record<ReceiverAnswer, number> = {
    ok: 0,
    'server-error': 0,
    'too-many-requests': 0,
    hang: 0,
    drop: 0,
  };
  const received = new Set<string>();
  const taken = new Map<string, number>();
  const keysByUser = new Map<string, Set<string>>();
  let repeatPosts = 0;
  let repeatsAfterTaken = 0;
  let unsignedPosts = 0;
  let postsForOtherUsers = 0;
  for (const post of input.posts) {
    answers[post.answer] += 1;
    if (!post.signed) unsignedPosts += 1;
    if (
      !post.userId ||
      !users.has(post.userId) ||
      post.occurrenceYear !== input.occurrenceYear ||
      !post.idempotencyKey
    ) {
      postsForOtherUsers += 1;
      continue;
    }
    const key = post.idempotencyKey;
    if (received.has(key)) {
      repeatPosts += 1;
      if (taken.has(key)) repeatsAfterTaken += 1;
    }
    received.add(key);
    if (post.answer === 'ok' && post.signed && !taken.has(key)) taken.set(key, post.receivedAtMs - input.dueMs);
    const keys = keysByUser.get(post.userId) ?? new Set<string>();
    keys.add(key);
    keysByUser.set(post.userId, keys);
  }
  const usersWithSeveralKeys = [...keysByUser.values()].filter((keys) => keys.size > 1).length;
  const missedOrFailed = (ledgerByStatus.missed ?? 0) + (ledgerByStatus.failed ?? 0);
  const injected: Record<FaultKind, number> = { 'kill-worker': 0, 'restart-temporal': 0, 'restart-postgres': 0 };
  for (const fault of input.faults) injected[fault.kind] += 1;
  const takenKeys = [...taken.keys()];
  const ledgerAgrees =
    takenKeys.length === ledgerDeliveredKeys.size && takenKeys.every((key) => ledgerDeliveredKeys.has(key));

  const checks: Check[] = [
    {
      name: 'ledger: one delivered row per user and year',
      ok: usersDeliveredOnce === due && (ledgerByStatus.delivered ?? 0) === due,
      found: `${ledgerByStatus.delivered ?? 0} delivered rows, ${usersDeliveredOnce} of ${due} users delivered once`,
    },
    {
      name: 'receiver: distinct Idempotency-Keys received equal the users due',
      ok: received.size === due,
      found: `${received.size} keys for ${due} users due`,
    },
    {
      name: 'receiver: every due greeting was taken (answered 200) at least once',
      ok: taken.size === due,
      found: `${taken.size} of ${due}`,
    },
    {
      name: 'no user got greetings under two keys (a doubled greeting)',
      ok: usersWithSeveralKeys === 0,
      found: `${usersWithSeveralKeys} users`,
    },
    {
      name: 'ledger and receiver agree on what was delivered',
      ok: ledgerAgrees,
      found: `${ledgerDeliveredKeys.size} delivered in the ledger, ${taken.size} taken by the receiver`,
    },
    { name: 'no missed or failed rows', ok: missedOrFailed === 0, found: `${missedOrFailed} rows` },
    {
      name: 'every POST signed (Standard Webhooks) and for a user of the run',
      ok: unsignedPosts === 0 && postsForOtherUsers === 0,
      found: `${unsignedPosts} unsigned, ${postsForOtherUsers} for other users or years`,
    },
    {
      name: 'every planned fault injected',
      ok:
        injected['kill-worker'] >= input.wanted.workerKills &&
        injected['restart-temporal'] >= input.wanted.temporalRestarts &&
        injected['restart-postgres'] >= input.wanted.postgresRestarts,
      found: `${injected['kill-worker']} worker kills, ${injected['restart-temporal']} Temporal restarts, ${injected['restart-postgres']} Postgres restarts`,
    },
  ];
  return {
    ok: checks.every((check) => check.ok),
    checks,
    figures: {
      users: users.size,
      due,
      ledgerByStatus,
      usersDeliveredOnce,
      posts: input.posts.length,
      answers,
      distinctKeysReceived: received.size,
      distinctKeysTaken: taken.size,
      repeatPosts,
      repeatsAfterTaken,
      usersWithSeveralKeys,
      unsignedPosts,
      postsForOtherUsers,
      latenessMs: distribution([...taken.values()]),
      faults: injected,
    },
  };
}
