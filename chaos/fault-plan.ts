/** A fault the chaos run injects into the stack (the receiver's failures are drawn per call instead). */
export type FaultKind = 'kill-worker' | 'restart-temporal' | 'restart-postgres';

export interface PlannedFault {
  kind: FaultKind;
  /** Epoch ms it is due. */
  atMs: number;
}

export interface FaultCounts {
  workerKills: number;
  temporalRestarts: number;
  postgresRestarts: number;
}

/**
 * A small seeded generator (mulberry32): a run prints its seed, and the same seed draws the same fault moments and
 * the same receiver answers again.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Every fault of `counts` at a random moment in [startMs, endMs), in the order they are due. */
export function planFaults(counts: FaultCounts, startMs: number, endMs: number, random: () => number): PlannedFault[] {
  const kinds: FaultKind[] = [
    ...Array<FaultKind>(counts.workerKills).fill('kill-worker'),
    ...Array<FaultKind>(counts.temporalRestarts).fill('restart-temporal'),
    ...Array<FaultKind>(counts.postgresRestarts).fill('restart-postgres'),
  ];
  return kinds
    .map((kind) => ({ kind, atMs: Math.round(startMs + random() * (endMs - startMs)) }))
    .sort((a, b) => a.atMs - b.atMs);
}
