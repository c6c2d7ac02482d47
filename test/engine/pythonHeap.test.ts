// Every Python process that runs calls gives itself the same room for a call's temporary
// objects (python/harness_heap.py), so a call that churns memory arenas runs alike in
// the harness and in a fresh pool process. Asserted on page-fault counts, which CPython's
// allocator makes deterministic, not on timings.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';

const SCRIPT = `
import json, sys
from harness_calls import warm_up
from harness_heap import minor_faults

def churn():
    # About 4 MB of small objects that die with the call.
    return len([("item-%d" % i, [i]) for i in range(40000)])

def quiet():
    return sum(range(1000))

def faults_per_call(fn, n=10):
    f0 = minor_faults()
    for _ in range(n):
        fn()
    return (minor_faults() - f0) / n

policy = {"steadyCalls": 3, "tolerance": 0.1, "maxCalls": 12, "maxMs": 5000}
out = {}
for _ in range(3):
    churn()
out["coldFaults"] = faults_per_call(churn)
def one(fn):
    def call():
        import time
        t0 = time.perf_counter()
        fn()
        return True, (time.perf_counter() - t0) * 1000
    return call
warm_up(one(quiet), policy)
out["afterQuietWarmup"] = faults_per_call(churn)
warm_up(one(churn), policy)
out["warmFaults"] = faults_per_call(churn)
print(json.dumps(out))
`;

describe('python heap room for churning calls', function () {
  this.timeout(60_000);

  it('a call that maps fresh arenas each time stops faulting once warm-up has reserved room; a quiet one reserves nothing', () => {
    const out = JSON.parse(
      execFileSync('python3', ['-c', SCRIPT], { env: { ...process.env, PYTHONPATH: path.join(packageRoot(), 'python') } }).toString(),
    ) as { coldFaults: number; afterQuietWarmup: number; warmFaults: number };
    // A fresh process maps and faults in the arenas a churning call fills, every call.
    assert.ok(out.coldFaults > 256, JSON.stringify(out));
    // Warming up a function that does not churn reserves nothing.
    assert.ok(out.afterQuietWarmup > 256, JSON.stringify(out));
    // Warming up the churning one does: its calls reuse the reserved arenas.
    assert.ok(out.warmFaults < out.coldFaults / 10, JSON.stringify(out));
  });
});
