/**
 * Whether a server's output says it stopped on a port in use that none of `chosen` names: one it picked for itself
 * (free when picked, taken by another process before it bound it), so starting it again can succeed.
 */
export function lostAPortItPicked(output: string, chosen: number[]): boolean {
  const inUse = output.split('\n').filter((line) => line.includes('address already in use'));
  return inUse.length > 0 && inUse.every((line) => !chosen.some((port) => line.includes(`:${port}:`)));
}
