// Half computing, half waiting: parse and score a record (CPU), then "store" it
// (a 20 ms wait standing in for a database write). Neither pure advice fits: async
// overlaps only the waiting half, and threads beyond the core count only help
// because each thread waits half the time.
//
//   npx workload-profiler profile examples/mixedWork.ts processRecord
import { setTimeout as sleep } from 'node:timers/promises';

interface Scored {
  id: number;
  score: number;
}

// A fixed amount of arithmetic (about 20 ms on one core), not a wall-clock spin:
// threads sharing a core must take turns, as real work does.
function score(id: number, iterations: number): Scored {
  let x = id;
  for (let i = 0; i < iterations; i++) x = (x * 1103515245 + 12345) % 2147483648;
  return { id, score: x % 100 };
}

// @workload args=["$i"] budget=15
export async function processRecord(id: number): Promise<Scored> {
  const scored = score(id, 1_000_000);
  await sleep(20);
  return scored;
}
