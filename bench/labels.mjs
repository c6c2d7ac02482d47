// The project's labelled suite: each fixture with the verdict its engine test asserts.
// Labels are copied from the tests named in `source` (only what a test asserts is
// labelled; an absent field is not scored). bench/sections/accuracy.mjs warns when a
// verdict test uses a fixture that is missing here, so the two stay in step.
export const LABELS = [
  // test/engine/jsVerdict.test.ts
  { file: 'test/fixtures/verdict/busyLoop.js', fn: 'busyLoop', kind: 'cpu-bound', executor: ['thread', 'process'], source: 'jsVerdict' },
  { file: 'test/fixtures/verdict/timerWait.mjs', fn: 'timerWait', kind: 'io-bound', executor: ['async'], source: 'jsVerdict' },
  { file: 'test/fixtures/verdict/blockingWait.js', fn: 'blockingWait', kind: 'io-bound', executor: ['thread'], source: 'jsVerdict' },
  { file: 'test/fixtures/verdict/libuvHash.js', fn: 'libuvHash', args: ['$i'], budgetMs: 6000, kind: 'cpu-bound', offloadedCpu: true, source: 'jsVerdict' },
  { file: 'test/fixtures/verdict/mixed.ts', fn: 'mixed', kind: 'mixed', source: 'jsVerdict' },
  { file: 'test/fixtures/verdict/tiny.js', fn: 'tiny', args: ['$i'], tinyTasks: true, source: 'jsVerdict' },
  // test/engine/pythonVerdict.test.ts
  { file: 'test/fixtures/python/cpu_loop.py', fn: 'spin', args: [300000], budgetMs: 6000, kind: 'cpu-bound', gil: 'held', executor: ['process'], source: 'pythonVerdict' },
  { file: 'test/fixtures/python/pbkdf2.py', fn: 'derive', args: ['$i'], budgetMs: 6000, kind: 'cpu-bound', gil: 'released', executor: ['thread'], source: 'pythonVerdict' },
  { file: 'test/fixtures/python/sleepy.py', fn: 'nap', args: [50], kind: 'io-bound', executor: ['thread'], source: 'pythonVerdict' },
  { file: 'test/fixtures/python/async_sleep.py', fn: 'wait', args: [50], kind: 'io-bound', executor: ['async'], source: 'pythonVerdict' },
];
