// The classic: 200 items, each taking one second of waiting (a slow API, a disk, a
// network hop). Sequentially that is 200 s; with 50 in flight it is about 4 s.
//
//   npx workload-profiler profile examples/sleepItems.js fetchItem
//   node examples/sleepItems.js        # the 50-at-a-time demo itself
const { setTimeout: sleep } = require('node:timers/promises');

// @workload args=["$i"] budget=15
async function fetchItem(id) {
  await sleep(1000);
  return { id, status: 'ok' };
}

async function main() {
  const items = Array.from({ length: 200 }, (_, i) => i);
  const started = Date.now();
  const queue = [...items];
  const results = [];
  // A queue feeding a pool of 50 workers: each takes the next item when it is free.
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (queue.length) results.push(await fetchItem(queue.shift()));
    }),
  );
  console.log(`${results.length} items in ${((Date.now() - started) / 1000).toFixed(1)} s with 50 at a time`);
}

if (require.main === module) main();

module.exports = { fetchItem };
