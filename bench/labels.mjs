// The labelled suite: each function with the verdict physics calls for. Fields:
//   kind      'cpu-bound' | 'io-bound' | 'mixed'
//   executor  the executors that are a right answer (any of them scores)
//   gil       Python: 'held' | 'released'
//   tinyTasks / offloadedCpu  special cases the verdict must flag
//   why       the physics, and what bench/checkLabels.mjs measured on bare pools (no
//             profiler involved) to confirm it: sequential vs async / piscina / fork
//             pool / ThreadPoolExecutor / ProcessPoolExecutor at K = cores, and for
//             waits at a higher K. An absent field is not scored.
//   quick     kept in a smoke run (BENCH_QUICK=1) or `--quick`
// The first fourteen come from the engine tests named in `source` and carry exactly what those
// tests assert; bench/sections/accuracy.mjs warns when a verdict test uses a fixture that
// is missing here, so the two stay in step. The rest wrap real libraries.
const CPU_JS = 'Pure JavaScript on the calling thread (CPU ≈ wall in a sequential call), so only more cores help: a warmed piscina or fork pool at K = cores gives ~cores×, async gives ~1×.';
const HELD = 'C or Python code that holds the GIL for the whole call: ThreadPoolExecutor(cores) gives ~1× (threads take turns), ProcessPoolExecutor(cores) gives ~cores×.';
const RELEASED = 'C code that releases the GIL for the heavy part: ThreadPoolExecutor(cores) gives ~cores× without pickling, so threads (processes match them at a higher cost).';

export const LABELS = [
  // test/engine/jsVerdict.test.ts
  { file: 'test/fixtures/verdict/busyLoop.js', fn: 'busyLoop', kind: 'cpu-bound', executor: ['thread', 'process'], source: 'jsVerdict', quick: true, why: CPU_JS },
  { file: 'test/fixtures/verdict/timerWait.mjs', fn: 'timerWait', kind: 'io-bound', executor: ['async'], source: 'jsVerdict', quick: true, why: 'A timer: no CPU, and waits overlap freely on one event loop, so async at high K gives ~K×.' },
  { file: 'test/fixtures/verdict/blockingWait.js', fn: 'blockingWait', kind: 'io-bound', executor: ['thread'], source: 'jsVerdict', why: 'A blocking wait (Atomics.wait) blocks the event loop, so async gives 1×; threads wait side by side, ~K×.' },
  { file: 'test/fixtures/verdict/libuvHash.js', fn: 'libuvHash', args: ['$i'], budgetMs: 6000, kind: 'cpu-bound', offloadedCpu: true, source: 'jsVerdict', why: 'pbkdf2 on libuv’s pool: the calling thread idles while other threads burn CPU; process CPU ≈ wall.' },
  { file: 'test/fixtures/verdict/mixed.ts', fn: 'mixed', kind: 'mixed', source: 'jsVerdict', why: '15 ms of arithmetic then a 15 ms timer: CPU ≈ half the wall time.' },
  { file: 'test/fixtures/verdict/tiny.js', fn: 'tiny', args: ['$i'], tinyTasks: true, source: 'jsVerdict', why: 'A call of a few µs, shorter than handing it to a pool: every pool is slower than sequential.' },
  // test/engine/pythonVerdict.test.ts
  { file: 'test/fixtures/python/cpu_loop.py', fn: 'spin', args: [300000], budgetMs: 6000, kind: 'cpu-bound', gil: 'held', executor: ['process'], source: 'pythonVerdict', quick: true, why: `A pure-Python loop. ${HELD}` },
  { file: 'test/fixtures/python/pbkdf2.py', fn: 'derive', args: ['$i'], budgetMs: 6000, kind: 'cpu-bound', gil: 'released', executor: ['thread'], source: 'pythonVerdict', why: `hashlib.pbkdf2_hmac. ${RELEASED}` },
  { file: 'test/fixtures/python/offload.py', fn: 'derive_in_thread', args: ['$i'], budgetMs: 6000, kind: 'cpu-bound', gil: 'released', offloadedCpu: true, executor: ['async', 'thread'], source: 'pythonVerdict', why: `hashlib.pbkdf2_hmac in asyncio.to_thread: the event loop idles while an executor thread computes (calling thread ~1% CPU, a core busy per call). ${RELEASED} asyncio with a few tasks in flight runs the same threads.` },
  { file: 'test/fixtures/python/offload.py', fn: 'sum_squares_in_thread', args: [300000], budgetMs: 6000, kind: 'cpu-bound', gil: 'held', offloadedCpu: true, executor: ['process'], source: 'pythonVerdict', why: `A pure-Python loop in asyncio.to_thread: the event loop idles while an executor thread holds the GIL. ${HELD} asyncio gives ~1× too: its executor threads take turns.` },
  { file: 'test/fixtures/python/xml_tree.py', fn: 'parse_items', budgetMs: 6000, kind: 'cpu-bound', gil: 'held', executor: ['process'], source: 'pythonVerdict', why: `xml.etree.ElementTree.fromstring of 8,000 items: expat calls back into Python to build ~24,000 objects a call. ${HELD} Its objects die with each call, so a fresh process maps and faults in a few MB of memory every call (python/harness_heap.py). Checked against bare pools: ProcessPoolExecutor(2) 1.31-1.42×, and ThreadPoolExecutor(2) 1.16-1.34×, which checkLabels reads as an unclear GIL: the pool's main thread, waiting on futures, keeps those arenas mapped, so its calls skip the faults the bare loop takes, while the threads still take turns (a Python thread beside a call keeps 10-20% of its speed, the engine test's GIL probe).` },
  { file: 'test/fixtures/python/blocking_async.py', fn: 'blocking_wait', args: [40], kind: 'io-bound', executor: ['thread'], source: 'pythonVerdict', why: 'time.sleep inside an async def: the wait holds the event loop, so asyncio runs the calls one at a time (~1×), while threads overlap them (~K×).' },
  { file: 'test/fixtures/python/sleepy.py', fn: 'nap', args: [50], kind: 'io-bound', executor: ['thread'], source: 'pythonVerdict', quick: true, why: 'time.sleep releases the GIL and uses no CPU: threads at high K give ~K×.' },
  { file: 'test/fixtures/python/async_sleep.py', fn: 'wait', args: [50], kind: 'io-bound', executor: ['async'], source: 'pythonVerdict', why: 'asyncio.sleep: coroutines overlap on one loop, ~K× at high K with no threads.' },
  { file: 'test/fixtures/python/mixed.py', fn: 'half_and_half_ms', args: [15], kind: 'mixed', source: 'pythonVerdict', why: 'About 15 ms of pure-Python arithmetic, then a sleep as long as the CPU it took: CPU ≈ half the wall time on any machine.' },

  // Real libraries, JS and TS (npm devDependencies; fixtures in bench/fixtures/real/)
  { file: 'bench/fixtures/real/markdown.mjs', fn: 'renderMarkdown', kind: 'cpu-bound', executor: ['thread', 'process'], quick: true, why: `marked, ~25 ms warm. ${CPU_JS}` },
  { file: 'bench/fixtures/real/yaml.mjs', fn: 'parseYaml', kind: 'cpu-bound', executor: ['thread', 'process'], why: `js-yaml load, ~20 ms warm; the parsed object is returned. ${CPU_JS}` },
  { file: 'bench/fixtures/real/jsParse.ts', fn: 'parseJs', kind: 'cpu-bound', executor: ['thread', 'process'], why: `acorn parse + AST walk (TypeScript fixture), ~35 ms warm. ${CPU_JS}` },
  { file: 'bench/fixtures/real/sha256.mjs', fn: 'hashPureJs', kind: 'cpu-bound', executor: ['thread', 'process'], why: `js-sha256 in JavaScript over 2 MB, ~28 ms warm. ${CPU_JS}` },
  { file: 'bench/fixtures/real/xml.mjs', fn: 'parseXml', kind: 'cpu-bound', executor: ['thread', 'process'], why: `fast-xml-parser, ~30 ms warm. ${CPU_JS}` },
  { file: 'bench/fixtures/real/gzip.mjs', fn: 'gzipAsync', kind: 'cpu-bound', offloadedCpu: true, executor: ['async', 'thread', 'process'], quick: true, why: 'zlib.gzip (async) of 1 MB runs on libuv’s pool: process CPU ≈ wall while the calling thread idles. Two calls in flight (async, or one per thread or process) use both cores, ~cores×; any of the three is right, sequential is not.' },
  { file: 'bench/fixtures/real/httpFetch.ts', fn: 'fetchSlowApi', args: ['$i'], kind: 'io-bound', executor: ['async'], quick: true, why: 'fetch() against a loopback server that answers after 40 ms (TypeScript fixture): < 1 ms of CPU per call, and requests overlap on one event loop, so async at high K gives ~K× without threads.' },
  { file: 'bench/fixtures/real/execSleep.mjs', fn: 'execSleep', kind: 'io-bound', executor: ['async'], why: 'execFile("sleep 0.05"): ~2 ms of spawn CPU, then waiting for the child; the waits overlap on one event loop (async ~K×).' },
  { file: 'bench/fixtures/real/execSyncSleep.mjs', fn: 'execSyncSleep', kind: 'io-bound', executor: ['thread', 'process'], why: 'execFileSync("sleep 0.05"): the same spawn and wait, but the wait blocks the calling thread, so async gives ~1×; threads or processes wait side by side, one call each, at K well above the cores. Checked against bare pools on 2 cores: piscina ×2 1.82×, ×16 2.18× (spawns from one process queue in this sandbox), fork pool ×2 1.97×.' },

  // Real libraries, Python standard library (fixtures in bench/fixtures/python/real/)
  { file: 'bench/fixtures/python/real/json_roundtrip.py', fn: 'roundtrip', kind: 'cpu-bound', gil: 'held', executor: ['process'], quick: true, why: `json.dumps + json.loads of 6,000 records, ~25 ms. ${HELD}` },
  { file: 'bench/fixtures/python/real/regex_scan.py', fn: 'scan', kind: 'cpu-bound', gil: 'held', executor: ['process'], why: `re.findall over 4,000 log lines, ~32 ms. ${HELD}` },
  { file: 'bench/fixtures/python/real/diff_ratio.py', fn: 'diff', kind: 'cpu-bound', gil: 'held', executor: ['process'], why: `difflib.unified_diff of 1,500 lines, ~17 ms, pure Python. ${HELD}` },
  { file: 'bench/fixtures/python/real/stats_stdev.py', fn: 'pstdev', kind: 'cpu-bound', gil: 'held', executor: ['process'], why: `statistics.pstdev of 60,000 floats, ~26 ms: exact fractions summed in pure Python. ${HELD} Checked against bare pools on 2 cores: ThreadPoolExecutor(2) 0.88×, ProcessPoolExecutor(2) 1.59×.` },
  { file: 'bench/fixtures/python/real/sha256_buffer.py', fn: 'sha256', kind: 'cpu-bound', gil: 'released', executor: ['thread'], quick: true, why: `hashlib.sha256 of 48 MB, ~28 ms. ${RELEASED}` },
  { file: 'bench/fixtures/python/real/zlib_compress.py', fn: 'compress', kind: 'cpu-bound', gil: 'released', executor: ['thread'], why: `zlib.compress of 512 kB, ~34 ms. ${RELEASED}` },
  { file: 'bench/fixtures/python/real/sqlite_query.py', fn: 'query', kind: 'cpu-bound', gil: 'released', executor: ['process'], why: 'sqlite3: one in-memory statement aggregating 50,000 generated rows, ~30 ms in SQLite’s C code, which releases the GIL while it steps (a Python thread beside a call keeps ~80–90% of its speed). Checked against bare pools on 2 cores: ThreadPoolExecutor(2) gives only 0.8–1.3×, ProcessPoolExecutor(2) 1.6–2.0×, so something inside SQLite serializes threads, and processes are the answer.' },
  { file: 'bench/fixtures/python/real/sqlite_local.py', fn: 'query_local', kind: 'cpu-bound', gil: 'released', executor: ['thread'], why: `sqlite3 with a connection per thread (threading.local): each thread's first call builds its own 150,000-row table (~0.4 s), then a GROUP BY of ~55 ms in SQLite's C code. Unlike the one-statement CTE above, threads scale here: ${RELEASED} Checked against bare pools on 2 cores: ThreadPoolExecutor(2) 1.90×, ProcessPoolExecutor(2) 1.13×.` },
  { file: 'bench/fixtures/python/real/http_get.py', fn: 'get', args: ['$i'], kind: 'io-bound', executor: ['thread'], gil: 'not-applicable', why: 'urllib GET from a loopback server that answers after 40 ms: a blocking call that releases the GIL while it waits, ~1 ms of CPU, so threads at high K give ~K× (no asyncio client in the standard library). The GIL verdict is not-applicable for waits, as the engine test asserts for http_fetch.py.' },
  { file: 'bench/fixtures/python/real/subprocess_sleep.py', fn: 'run_sleep', kind: 'io-bound', executor: ['thread'], gil: 'not-applicable', why: 'subprocess.run(["sleep", "0.05"]): a blocking wait for a child that releases the GIL; threads at high K overlap the waits.' },
];

/** Fixtures the verdict tests use that the suite covers otherwise, with the reason. */
export const UNLABELLED_OK = {
  'http_fetch.py': 'needs a server the test starts; bench/fixtures/python/real/http_get.py (labelled above) starts its own',
};
