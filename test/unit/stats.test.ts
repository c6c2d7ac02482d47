import assert from 'node:assert/strict';
import { isNoisy, mean, median, medianCiRank, MIN_LOG_ERROR, pooledEstimate, quantile, ratioCi, ratioEstimate, SMALL_SAMPLE_HALF_WIDTH, SMALL_SAMPLE_TASKS, throughputStats } from '../../src/analysis/stats';
import { mulberry32 } from './synthetic';

/**
 * A closed loop: `k` slots, each running tasks back to back with a gap `gapMs` between
 * them; durations from `duration(i)`. Returns samples as an executor would.
 */
function closedLoop(k: number, n: number, duration: (i: number) => number, gapMs = 0, t0 = 1_700_000_000_000) {
  const free = new Array<number>(k).fill(t0);
  const tasks: { s: number; e: number }[] = [];
  for (let i = 0; i < n; i++) {
    let slot = 0;
    for (let j = 1; j < k; j++) if (free[j] < free[slot]) slot = j;
    const s = free[slot] + gapMs;
    const e = s + duration(i);
    free[slot] = e;
    tasks.push({ s, e });
  }
  tasks.sort((a, b) => a.e - b.e);
  return {
    startMs: t0,
    endMs: Math.max(...tasks.map((t) => t.e)),
    taskStartMs: tasks.map((t) => t.s),
    taskEndMs: tasks.map((t) => t.e),
    concurrency: k,
  };
}

/**
 * A closed loop as the executors run it: `k` lanes start calls until the window of
 * `windowMs` closes, each as soon as its last call ended; a call may have to wait for
 * one of `servers` slots (a connection pool), first come first served. Calls started
 * in the `warmupMs` before the window are made but not counted, as an executor's are.
 */
function windowedLoop(k: number, windowMs: number, duration: () => number, servers = Infinity, warmupMs = 0, t0 = 1_000_000) {
  const starts: number[] = [];
  const ends: number[] = [];
  const serverFree: number[] = Number.isFinite(servers) ? new Array<number>(servers).fill(t0) : [];
  // Lanes ready to start their next call, in time order.
  const ready = Array.from({ length: k }, () => t0 - warmupMs);
  if (serverFree.length) serverFree.fill(t0 - warmupMs);
  for (;;) {
    let lane = 0;
    for (let j = 1; j < k; j++) if (ready[j] < ready[lane]) lane = j;
    const s = ready[lane];
    if (s >= t0 + windowMs) break;
    let begin = s;
    let slot = -1;
    if (serverFree.length) {
      slot = serverFree.indexOf(Math.min(...serverFree));
      begin = Math.max(s, serverFree[slot]);
    }
    const e = begin + duration();
    if (slot >= 0) serverFree[slot] = e;
    if (s >= t0) {
      starts.push(s);
      ends.push(e);
    }
    ready[lane] = e;
  }
  return { startMs: t0, endMs: t0 + windowMs, taskStartMs: starts, taskEndMs: ends, concurrency: k };
}

describe('stats: basics', () => {
  it('mean, median and quantiles', () => {
    assert.equal(mean([1, 2, 3, 10]), 4);
    assert.ok(Number.isNaN(mean([])));
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(quantile([1, 2, 3, 4, 5], 0), 1);
    assert.equal(quantile([1, 2, 3, 4, 5], 1), 5);
    assert.equal(quantile([10, 20], 0.25), 12.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('order-statistic ranks of a 95% interval for the median', () => {
    assert.equal(medianCiRank(6), 1);
    assert.equal(medianCiRank(10), 2);
    assert.equal(medianCiRank(20), 6);
  });

  it('noisy means an interval wider than ±10%', () => {
    assert.equal(isNoisy(100, [95, 105]), false);
    assert.equal(isNoisy(100, [89, 111]), true);
    assert.equal(isNoisy(0, [0, 0]), true);
  });
});

describe('stats: throughputStats', () => {
  it('many steady tasks: batch means around the true rate, narrow and not noisy', () => {
    const s = throughputStats(closedLoop(1, 500, () => 2));
    assert.equal(s.method, 'batch-means');
    assert.equal(s.samples, 20);
    assert.ok(Math.abs(s.throughputPerSec - 500) < 1, String(s.throughputPerSec));
    assert.ok(s.ci[0] <= s.throughputPerSec && s.throughputPerSec <= s.ci[1]);
    assert.equal(s.noisy, false);
  });

  it('counts K slots and dispatch gaps', () => {
    const s = throughputStats(closedLoop(4, 800, () => 10, 0.5));
    // 4 slots, one task per 10.5 ms each: 381/s
    assert.ok(Math.abs(s.throughputPerSec - 4000 / 10.5) / (4000 / 10.5) < 0.02, String(s.throughputPerSec));
  });

  it('bursty completions (50 one-second sleeps ending together) still give the true rate', () => {
    const s = throughputStats(closedLoop(50, 200, () => 1000));
    assert.ok(Math.abs(s.throughputPerSec - 50) < 0.5, String(s.throughputPerSec));
    assert.equal(s.method, 'bootstrap');
    assert.equal(s.noisy, false);
  });

  it('noisy durations widen the interval, and the interval covers the truth', () => {
    let covered = 0;
    const trials = 40;
    for (let t = 0; t < trials; t++) {
      const rand = mulberry32(100 + t);
      // Lognormal-ish durations with 30% spread around 5 ms: rate ≈ 1000 / E[d].
      const ds = Array.from({ length: 400 }, () => 5 * Math.exp(0.3 * (rand() + rand() + rand() - 1.5) * 2));
      const s = throughputStats(closedLoop(1, ds.length, (i) => ds[i]));
      // E[d] = 5 · e^(−0.9) · ((e^0.6 − 1) / 0.6)^3
      const truth = 1000 / (5 * Math.exp(-0.9) * ((Math.exp(0.6) - 1) / 0.6) ** 3);
      if (s.ci[0] <= truth && s.ci[1] >= truth) covered++;
      assert.ok(s.ci[1] > s.ci[0]);
    }
    assert.ok(covered >= trials * 0.85, `${covered}/${trials}`);
  });

  it('a stalled stretch shows up as a wide interval and a noisy flag', () => {
    const s = throughputStats(closedLoop(1, 300, (i) => (i >= 100 && i < 160 ? 8 : 1)));
    assert.equal(s.noisy, true);
  });

  it('few slow tasks: bootstrap over durations, deterministic', () => {
    const samples = closedLoop(2, 6, (i) => [900, 1100, 1000, 950, 1200, 1000][i]);
    const a = throughputStats(samples);
    const b = throughputStats(samples);
    assert.equal(a.method, 'bootstrap');
    assert.deepEqual(a, b);
    assert.equal(a.samples, 6);
    assert.ok(a.ci[0] < a.throughputPerSec && a.throughputPerSec < a.ci[1]);
    assert.ok(Math.abs(a.throughputPerSec - 2) < 0.3, String(a.throughputPerSec));
  });

  it('two to five calls: never an interval narrower than ±25% / √n, however alike the calls', () => {
    // Two calls that agree to 1% say little on a machine whose speed drifts by tens of percent.
    const two = throughputStats(closedLoop(2, 2, (i) => [80, 81][i]));
    assert.equal(two.method, 'bootstrap');
    const h2 = SMALL_SAMPLE_HALF_WIDTH / Math.sqrt(2);
    assert.ok(two.ci[0] <= two.throughputPerSec * (1 - h2) + 1e-9 && two.ci[1] >= two.throughputPerSec * (1 + h2) - 1e-9, JSON.stringify(two));
    assert.equal(two.noisy, true);
    const five = throughputStats(closedLoop(1, 5, () => 100));
    assert.ok((five.ci[1] - five.ci[0]) / five.throughputPerSec >= 2 * (SMALL_SAMPLE_HALF_WIDTH / Math.sqrt(5)) - 1e-9, JSON.stringify(five));
    // From SMALL_SAMPLE_TASKS calls on, the bootstrap's own interval stands.
    const six = throughputStats(closedLoop(1, SMALL_SAMPLE_TASKS, () => 100));
    assert.ok((six.ci[1] - six.ci[0]) / six.throughputPerSec < 0.05, JSON.stringify(six));
  });

  it('one task: ±50% and noisy; none: zero and noisy', () => {
    const one = throughputStats(closedLoop(1, 1, () => 2000));
    assert.equal(one.throughputPerSec, 0.5);
    assert.deepEqual(one.ci, [0.25, 0.75]);
    assert.equal(one.noisy, true);
    const none = throughputStats({ startMs: 0, endMs: 10, taskStartMs: [], taskEndMs: [], concurrency: 1 });
    assert.equal(none.throughputPerSec, 0);
    assert.equal(none.noisy, true);
  });

  it('a closed loop with two or three calls a lane reads its true rate, where the whole window reads low', () => {
    const rand = mulberry32(7);
    const ratios = { steady: [] as number[], whole: [] as number[] };
    for (let t = 0; t < 300; t++) {
      // Two pool workers, 40-100 ms a call, a 200 ms window: a short budget's pool point.
      const loop = windowedLoop(2, 200, () => 40 + 60 * rand());
      const truth = (2 * 1000) / mean(loop.taskEndMs.map((e, i) => e - loop.taskStartMs[i]));
      ratios.steady.push(throughputStats({ ...loop, closedLoop: true }).throughputPerSec / truth);
      ratios.whole.push(throughputStats(loop).throughputPerSec / truth);
    }
    assert.ok(Math.abs(mean(ratios.steady) - 1) < 0.02, `steady span: ${mean(ratios.steady)}`);
    assert.ok(mean(ratios.whole) < 0.97, `the whole window undercounts: ${mean(ratios.whole)}`);
  });

  it('calls queued behind a connection limit: 128 in flight, 8 served at once, reads 8 calls per 20 ms', () => {
    const truth = 8 * (1000 / 20);
    // Started together into an empty queue, and behind warm-up calls still queued.
    for (const warmupMs of [0, 200]) {
      const loop = windowedLoop(128, 630, () => 20, 8, warmupMs);
      const steady = throughputStats({ ...loop, closedLoop: true }).throughputPerSec;
      assert.ok(Math.abs(steady / truth - 1) < 0.05, `warm-up ${warmupMs} ms: ${steady} against ${truth}`);
    }
    // Over the whole window, the first counted calls' 320 ms behind the warm-up calls count as idle time.
    const behindWarmup = windowedLoop(128, 630, () => 20, 8, 200);
    assert.ok(throughputStats(behindWarmup).throughputPerSec < truth * 0.8, String(throughputStats(behindWarmup).throughputPerSec));
  });

  it('a closed loop too short to have a steady part is read over its whole window', () => {
    // One call a lane: no span where every lane is under way between two of its calls.
    const loop = windowedLoop(4, 10, () => 100);
    assert.deepEqual(throughputStats({ ...loop, closedLoop: true }), throughputStats(loop));
  });

  it('ignores warm-up time before the first counted task', () => {
    const s = closedLoop(1, 200, () => 5);
    const withWarmup = { ...s, startMs: s.startMs - 500 };
    assert.ok(Math.abs(throughputStats(withWarmup).throughputPerSec - 200) < 1);
  });
});

describe('stats: ratioCi', () => {
  it('propagates relative errors in quadrature on the log scale', () => {
    const num = { value: 200, ci: [180, 220] as [number, number] };
    const den = { value: 100, ci: [95, 105] as [number, number] };
    const [lo, hi] = ratioCi(num, den);
    const down = Math.hypot(Math.log(200 / 180), Math.log(105 / 100));
    const up = Math.hypot(Math.log(220 / 200), Math.log(100 / 95));
    assert.ok(Math.abs(lo - 2 * Math.exp(-down)) < 1e-12);
    assert.ok(Math.abs(hi - 2 * Math.exp(up)) < 1e-12);
    assert.ok(lo < 2 && hi > 2);
  });

  it('exact inputs give an exact ratio; a zero numerator gives [0, …]', () => {
    assert.deepEqual(ratioCi({ value: 3, ci: [3, 3] }, { value: 1.5, ci: [1.5, 1.5] }), [2, 2]);
    assert.equal(ratioCi({ value: 0, ci: [0, 0] }, { value: 1, ci: [0.9, 1.1] })[0], 0);
    assert.deepEqual(ratioEstimate({ value: 3, ci: [3, 3] }, { value: 1.5, ci: [1.5, 1.5] }), { value: 2, ci: [2, 2] });
  });
});

describe('stats: pooledEstimate', () => {
  it('two equal readings narrow the interval by about √2 on the log scale', () => {
    const one = { value: 1.5, ci: [1.2, 1.8] as [number, number] };
    const both = pooledEstimate([one, one]);
    assert.ok(Math.abs(both.value - 1.5) < 1e-12);
    assert.ok(Math.abs(Math.log(1.5 / both.ci[0]) - Math.log(1.5 / 1.2) / Math.SQRT2) < 1e-12);
    assert.ok(Math.abs(Math.log(both.ci[1] / 1.5) - Math.log(1.8 / 1.5) / Math.SQRT2) < 1e-12);
  });

  it('the narrower reading weighs more, and the result lies between the readings', () => {
    const p = pooledEstimate([
      { value: 1.29, ci: [1.04, 1.59] },
      { value: 1.44, ci: [1.12, 2.03] },
    ]);
    assert.ok(p.value > 1.29 && p.value < (1.29 + 1.44) / 2, `${p.value}`);
    const width = (lo: number, hi: number) => Math.log(hi / lo);
    assert.ok(p.ci[0] > 1.04 && width(p.ci[0], p.ci[1]) < width(1.04, 1.59), `${p.ci}`);
  });

  it('a reading with no width counts as a narrow one, not an infinite weight; unusable readings are skipped', () => {
    const p = pooledEstimate([
      { value: 2, ci: [2, 2] },
      { value: 1, ci: [0.9, 1.1] },
    ]);
    assert.ok(p.value < 2 && p.value > 1.9, `${p.value}`);
    assert.ok(Math.log(p.value / p.ci[0]) <= MIN_LOG_ERROR);
    assert.deepEqual(pooledEstimate([{ value: 1.5, ci: [1.4, 1.6] }, { value: 0, ci: [0, 0] }]).value, 1.5);
  });
});
