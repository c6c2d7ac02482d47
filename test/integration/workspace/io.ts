// I/O-bound fixture: waits on a timer and computes almost nothing.
// @workload args=[40] budget=3
export async function wait(ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
}

export const double = (x: number): number => x * 2;
