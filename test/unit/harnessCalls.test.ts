// How the Python harness times one call (python/harness_calls.py call_sync), held to
// what the analysis reads from it: the CPU share of a call that is all CPU.
import assert from 'node:assert/strict';
import { harnessPython } from './harnessPython';

describe('Python call timing (python/harness_calls.py)', function () {
  this.timeout(30_000);

  it('a call of a few microseconds that is all CPU reads all CPU: not "part waiting", nor the clock\'s own cost', () => {
    // The CPU clock is a syscall that counts about half of its own cost as CPU: read inside
    // the wall clock's readings, a 3 µs call of pure C read 50% CPU and was classified mixed;
    // read outside them, each reading's share must come off again.
    const r = harnessPython<{ share: number; us: number }>(
      [
        'import time, harness_calls as h',
        'h.CPU_READING_EVERY_NS = 0  # read the CPU clock on every call',
        'f = lambda: sum(range(500))',
        'cpu = wall = 0',
        'for i in range(20000):',
        '    ok, p0, p1, c, _ = h.call_sync(f, False, (), time.thread_time_ns, {}, i)',
        '    cpu += c',
        '    wall += p1 - p0',
        'print(json.dumps({"share": cpu / wall, "us": wall / 20000 / 1000}))',
      ],
      null,
    );
    assert.ok(r.us < 20, `the case needs a call of a few microseconds (${r.us.toFixed(1)} µs)`);
    assert.ok(r.share >= 0.8 && r.share <= 1.25, `CPU share ${r.share.toFixed(3)} of a ${r.us.toFixed(1)} µs call`);
  });
});
