// The GIL verdict with the GIL probe beside thread scaling (src/analysis/gil.ts). Flat
// threads alone cannot tell a held GIL from C code that released it but serializes on a
// lock of its own; the probe's spinner sees the GIL itself.
import assert from 'node:assert/strict';
import { classify } from '../../src/analysis/index';
import { GIL_FREE_AT, GIL_HELD_AT } from '../../src/analysis/gil';
import type { GilProbe } from '../../src/shared/report';
import { round3 } from '../../src/shared/rounding';
import { findingOf } from './findings';
import { harnessPython } from './harnessPython';
import { synthesize, type WorkloadModel } from './synthetic';

const SEEDS = [1, 2, 3, 4, 5];
const probe = (freeShare: number, drift = 0.05): GilProbe => ({ freeShare, calls: 6, windowMs: 200, drift });

function each(model: Omit<WorkloadModel, 'noise' | 'seed'>, gil: GilProbe | undefined, check: (a: ReturnType<typeof classify>, where: string) => void): void {
  for (const noise of [0, 0.05]) {
    for (const seed of SEEDS) {
      const input = synthesize({ ...model, noise, seed });
      if (gil) input.probe = { ...input.probe, gil };
      check(classify(input), `noise ${noise} seed ${seed}`);
    }
  }
}

describe('GIL probe', () => {
  it('flat threads with the GIL left free read "released, serialized elsewhere", and processes win (sqlite3)', () => {
    // Threads flat as if the GIL were held; the spinner kept 88% of its speed beside a call.
    each({ language: 'python', computeMs: 30, gil: 'held', serializationMs: 0.05 }, probe(0.88), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      const f = findingOf(a.verdict.findings, 'gil.released-serialized');
      assert.equal(f.data.freeShare, 0.88, where);
      assert.equal(a.recommendation.executor, 'process', where);
    });
  });

  it('pools that lose to the plain loop by their hand-offs blame the hand-offs, not a lock (a 5 µs sha256)', () => {
    // Threads and processes far below the loop because each hand-off costs many calls,
    // with the GIL left free: the words had said the C code serializes on a lock.
    each({ language: 'python', computeMs: 0.005, gil: 'released', dispatchMs: { thread: 0.12, process: 0.3 }, serializationMs: 0.01 }, probe(0.97), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      assert.ok(a.verdict.tinyTasks, where);
      assert.equal(findingOf(a.verdict.findings, 'gil.released-handoff').data.freeShare, 0.97, where);
      assert.ok(!(a.verdict.findings ?? []).some((f) => f.code === 'gil.released-serialized'), where);
      assert.equal(a.recommendation.executor, 'thread', where);
    });
  });

  it('flat threads and a spinner that got half its speed: held, and the reason gives the probe', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 }, probe(0.5), (a, where) => {
      assert.equal(a.verdict.gil, 'held', where);
      assert.equal(findingOf(a.verdict.findings, 'gil.held').data.freeShare, 0.5, where);
    });
  });

  it('bytecode whose probe wandered up to 0.72 on a busy machine stays held', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 }, probe(0.72, 0.2), (a, where) => {
      assert.equal(a.verdict.gil, 'held', where);
    });
  });

  it('threads that scaled outweigh a probe that read "held" (its spinner found no idle core)', () => {
    each({ language: 'python', computeMs: 20, gil: 'released', serializationMs: 0.05 }, probe(0.4), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      assert.equal(a.recommendation.executor, 'thread', where);
    });
  });

  it('threads that scaled only within their interval do not outweigh a probe that read "held" (a slow baseline)', () => {
    // Pure-Python bytecode whose threads ×2 read 1.55× on 2 cores: a sequential window
    // that ran slow, with an interval reaching below the threshold (√2).
    let overruled = 0;
    for (const seed of SEEDS) {
      const input = synthesize({ language: 'python', computeMs: 15, gil: 'held', serializationMs: 0.05, noise: 0.3, seed, bias: { thread: { 2: 1.55 } } });
      input.probe = { ...input.probe, gil: probe(0.5) };
      const a = classify(input);
      const t = input.runs.find((r) => r.executor === 'thread' && r.concurrency === 2)!;
      assert.ok(t.speedup >= Math.SQRT2, `seed ${seed}: threads ×2 read ${t.speedup}, not past the threshold`);
      if (t.speedupCi[0] >= Math.SQRT2) {
        overruled++;
        continue;
      }
      assert.equal(a.verdict.gil, 'held', `seed ${seed}`);
      assert.notEqual(a.recommendation.executor, 'thread', `seed ${seed}`);
    }
    assert.ok(overruled < SEEDS.length, 'every seed gave an interval clear of the threshold: the case is not tested');
  });

  it('threads lifted past the threshold by a slow baseline stay "held" when processes at the same K read twice as high', () => {
    // The baseline ran 40% slow (modelled as both pools reading 1.66× high): threads ×2 read 1.66× (past √2), processes ×2 3.3×.
    const slowBaseline = { language: 'python' as const, computeMs: 20, gil: 'held' as const, serializationMs: 0.05, bias: { thread: 1.66, process: 1.66 } };
    for (const gil of [undefined, probe(0.7), probe(0.5)]) {
      each(slowBaseline, gil, (a, where) => {
        const t = a.verdict.findings!.find((f) => f.code.startsWith('gil.'))!;
        assert.equal(a.verdict.gil, 'held', `${where}, probe ${gil?.freeShare}: ${t.code} ${JSON.stringify(t.data)}`);
        assert.notEqual(a.recommendation.executor, 'thread', where);
      });
    }
    const input = synthesize({ ...slowBaseline, noise: 0, seed: 1 });
    const a = classify(input);
    const f = findingOf(a.verdict.findings, 'gil.held-beside-processes');
    assert.ok(Math.abs((f.data.ratio as number) - 0.5) < 0.02, String(f.data.ratio));
    assert.match(a.verdict.reasons.join(' '), /Threads ×2 gave 1\.6\d×, but processes ×2 gave 3\.\d+× against the same sequential baseline: threads reached only 5\d% of what processes did/);
  });

  it('released GIL on a slow baseline: threads keep up with processes, and stay "released"', () => {
    each({ language: 'python', computeMs: 20, gil: 'released', serializationMs: 0.05, bias: { thread: 1.4, process: 1.4 } }, probe(0.7), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      assert.equal(a.recommendation.executor, 'thread', where);
    });
  });

  it('ignores a probe whose machine moved under it, and goes by thread scaling', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05 }, probe(0.9, 0.4), (a, where) => {
      assert.equal(a.verdict.gil, 'held', where);
      assert.equal(findingOf(a.verdict.findings, 'gil.held').data.freeShare, undefined, where);
    });
  });

  it('a call half asleep: only the probe\'s share while the call computed tells held from released', () => {
    // Pure Python for 15 ms, then a 15 ms sleep. The spinner has the GIL during the sleep
    // whatever the call does, so a held GIL reads (1 - r) + r × 0.6 = 0.8 or so, past
    // GIL_FREE_AT: before, that read "released, serialized elsewhere".
    each({ language: 'python', computeMs: 15, waitMs: 15, gil: 'held', serializationMs: 0.05 }, probe(0.82), (a, where) => {
      assert.equal(a.verdict.gil, 'held', where);
      const f = (a.verdict.findings ?? []).find((x) => x.code.startsWith('gil.held'))!;
      assert.equal(f.data.freeShare, 0.82, where);
      assert.ok(Math.abs((f.data.computeFreeShare as number) - 0.64) < 0.06, `${where}: ${f.data.computeFreeShare}`);
      assert.match(a.verdict.reasons.join(' '), /kept 82% of its speed, 6\d% while the call computed/, where);
    });
    // The same shape in C code that releases the GIL: the spinner keeps nearly all its speed.
    each({ language: 'python', computeMs: 15, waitMs: 15, gil: 'released', serializationMs: 0.05 }, probe(0.97), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
    });
  });

  it('without thread runs, the probe alone decides', () => {
    each({ language: 'python', computeMs: 20, gil: 'held', executors: ['sequential', 'process'] }, probe(0.92), (a, where) => {
      assert.equal(a.verdict.gil, 'released', where);
      findingOf(a.verdict.findings, 'gil.probe-released');
    });
  });
});

describe('GIL probe harness: the spinner-alone reference (python/harness_gil_probe.py)', function () {
  this.timeout(30_000);
  // Runs measure() with the spinner's readings scripted: alone before, during, alone
  // after, then a third alone window if measure() asks for one.
  function measured(rates: number[]): { freeShare: number; drift: number; windows: number } {
    return harnessPython(
      [
        'import harness_gil_probe as g',
        'rates = json.load(sys.stdin)',
        'used = []',
        'def scripted(action):',
        '    used.append(1)',
        '    return rates[len(used) - 1], 0.2',
        'g._spinner_rate = scripted',
        'r = g.measure(lambda: True, 200)',
        'print(json.dumps({"freeShare": r["freeShare"], "drift": r["drift"], "windows": len(used)}))',
      ],
      rates,
    );
  }

  it('two alone windows that agree are the reference, with no third', () => {
    const r = measured([100, 90, 96]);
    assert.equal(r.windows, 3);
    assert.equal(r.freeShare, round3(90 / 98));
    assert.equal(r.drift, round3(4 / 98));
  });

  it('a third alone window settles two that disagree: the closest pair is the reference', () => {
    // The first alone window ran during a burst elsewhere: half speed.
    const r = measured([50, 90, 100, 98]);
    assert.equal(r.windows, 4);
    assert.equal(r.freeShare, round3(90 / 99));
    assert.ok(r.drift <= 0.05, `drift ${r.drift}`);
  });

  it('three alone windows that all disagree keep a drift the analysis sets aside', () => {
    const r = measured([40, 60, 100, 70]);
    assert.equal(r.windows, 4);
    assert.ok(r.drift > 0.3, `drift ${r.drift}`);
  });
});

describe('GIL probe harness: what the spinner reads beside real calls (python/harness_gil_probe.py)', function () {
  this.timeout(30_000);
  // The spinner's CPU share, not its loop count: the same on a fast core as on a slow one.
  function share(call: string): number {
    const r = harnessPython<{ freeShare: number }>(
      [
        'import harness_gil_probe as g, time, zlib',
        // Built once: `data * 8` inside the call would hold the GIL for its 8 MB copy (about
        // as long as the compression, on fresh pages), and CI read zlib at 0.795.
        'big = bytes(range(256)) * 4096 * 8',
        'def bytecode():',
        '    s = 0',
        '    for i in range(300000):',
        '        s += i * i',
        'calls = {"bytecode": bytecode, "sleep": lambda: time.sleep(0.02), "zlib": lambda: zlib.compress(big, 6)}',
        'f = calls[sys.stdin.read().strip().strip(chr(34))]',
        'f()',
        'print(json.dumps(g.measure(lambda: (f(), True)[1], 150)))',
      ],
      call,
    );
    return r.freeShare;
  }

  it('bytecode takes turns with the spinner (about half); a sleep and zlib leave it the GIL (about all)', () => {
    const held = share('bytecode');
    assert.ok(held > 0.3 && held <= GIL_HELD_AT, `bytecode ${held}`);
    for (const free of ['sleep', 'zlib']) {
      const s = share(free);
      assert.ok(s >= GIL_FREE_AT, `${free} ${s}`);
    }
  });
});
