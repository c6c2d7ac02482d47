// The start-up transient cut from a window afterwards: MSER on call times
// (src/analysis/stats.ts mserCut), the window it leaves (src/engine/runResults.ts
// settleWindow), and throughput over a window opened after some calls began.
import assert from 'node:assert/strict';
import type { PointSamples } from '../../src/engine/executorTypes';
import { mserCut, MSER_MAX_OBSERVATIONS, MSER_MIN_OBSERVATIONS, throughputStats } from '../../src/analysis/stats';
import { settleWindow } from '../../src/engine/runResults';
import { mulberry32 } from './synthetic';

/** `k` lanes running calls back to back, call i taking durations[i] ms; in completion order. */
function lanes(k: number, durations: number[], t0 = 1_000): PointSamples {
  const free = new Array<number>(k).fill(t0);
  const calls = durations.map((d) => {
    let lane = 0;
    for (let j = 1; j < k; j++) if (free[j] < free[lane]) lane = j;
    const s = free[lane];
    free[lane] = s + d;
    return { s, e: s + d };
  });
  calls.sort((a, b) => a.e - b.e);
  return {
    executor: 'thread',
    concurrency: k,
    startMs: t0,
    endMs: Math.max(...calls.map((c) => c.e)),
    taskStartMs: calls.map((c) => c.s),
    taskEndMs: calls.map((c) => c.e),
    taskCpuMs: calls.map((c) => c.e - c.s),
    taskOk: calls.map(() => true),
    cpuSource: 'process.cpuUsage',
    errors: [],
    abandoned: 0,
  };
}

const jitter = (n: number, level: number, seed: number) => {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => level * (0.9 + 0.2 * rand()));
};

describe('the start-up transient (MSER)', () => {
  it('cuts a fresh worker still settling where its calls stop falling', () => {
    // fast-xml-parser threads right after a warm-up that hit its cap: 93 ms down to 35.
    const calls = [93, 76, 59, 57, 46, 40, ...jitter(30, 35, 1)];
    const cut = mserCut(calls);
    // All the slow calls, and perhaps a few warm ones with them: never more than half.
    assert.ok(cut >= 5 && cut <= calls.length / 2, `cut ${cut}`);
  });

  it('cuts nothing from warm calls, from a few slow calls early on, or from a machine that slows down', () => {
    for (let seed = 1; seed <= 20; seed++) assert.equal(mserCut(jitter(40, 22, seed)), 0, `seed ${seed}`);
    // A GC pause and a burst of load among warm calls (a marked baseline).
    assert.equal(mserCut([21, 22, 22, 23, 22, 24, 41, 35, 44, 24, 24, 24, 23, 25, 24, 24, 23, 23, 24, 23, 23, 23, 23, 22, 23, 22, 22, 22, 23, 23]), 0);
    // The machine's speed stepped from 21 to 35 ms a call halfway: not a slow start.
    assert.equal(mserCut([21, 20, 21, 21, 21, 22, 22, 21, 22, 22, 27, 35, 35, 35, 33, 35, 35, 34, 35]), 0);
  });

  it('never cuts more than half, nor from a window too short to tell', () => {
    const falling = Array.from({ length: 40 }, (_, i) => 100 - 2 * i);
    assert.ok(mserCut(falling) <= 20);
    assert.equal(mserCut([90, 80, 70, 60, 50, 30, 30, 30, 30].slice(0, MSER_MIN_OBSERVATIONS - 1)), 0);
  });

  it('works on means of five on long series (MSER-5)', () => {
    const calls = [...Array.from({ length: 50 }, (_, i) => 10 - i * 0.1), ...jitter(450, 5, 3)];
    const cut = mserCut(calls);
    assert.equal(cut % 5, 0);
    assert.ok(cut >= 40 && cut <= 60, `cut ${cut}`);
  });
});

describe('a window without its transient', () => {
  it("opens at the first settled call's start, says how many calls it left out, and measures the settled rate", () => {
    // Two lanes: six slow calls (~80 ms) then 14 at 30 ms, a short window (a 6 s
    // profile's pool point), whose rate is its calls over its span. Settled: 2 / 30 ms.
    const raw = lanes(2, [95, 90, 85, 80, 70, 60, ...jitter(14, 30, 5)]);
    const whole = throughputStats({ ...raw, concurrency: 2 });
    const settled = settleWindow(raw);
    assert.ok(settled.transientCalls! >= 4, `left out ${settled.transientCalls}`);
    assert.ok(settled.startMs > raw.startMs);
    assert.equal(settled.taskStartMs.length + settled.transientCalls!, raw.taskStartMs.length);
    assert.equal(settled.taskCpuMs.length, settled.taskStartMs.length);
    const tp = throughputStats({ ...settled, concurrency: 2 });
    assert.ok(Math.abs(tp.throughputPerSec - 2000 / 30) / (2000 / 30) < 0.06, `settled ${tp.throughputPerSec}`);
    assert.ok(whole.throughputPerSec < tp.throughputPerSec * 0.92, `whole window ${whole.throughputPerSec}`);
  });

  it('leaves a warm window as it was, and one too long to be moved by a slow start', () => {
    const raw = lanes(2, jitter(40, 30, 7));
    assert.equal(settleWindow(raw), raw);
    // A 5 µs function's window: sorting its calls cost the budget more than a cut could change.
    const long = lanes(1, [...Array.from({ length: 100 }, () => 0.02), ...jitter(MSER_MAX_OBSERVATIONS, 0.005, 8)]);
    assert.equal(settleWindow(long), long);
  });

  it('credits a call running across the window start for its share inside it', () => {
    // Two lanes of 10 ms calls, the second offset by 5 ms; a window opened at 1005 ms
    // holds half the first lane's first call. In its 100 ms: 9.5 calls of the first lane
    // (idle for its last 5 ms) and 10 of the second, 195/s; counted whole, 200.
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < 10; i++) {
      starts.push(1000 + 10 * i, 1005 + 10 * i);
      ends.push(1010 + 10 * i, 1015 + 10 * i);
    }
    const tp = throughputStats({ startMs: 1005, endMs: 1105, taskStartMs: starts, taskEndMs: ends, concurrency: 2 });
    assert.ok(Math.abs(tp.throughputPerSec - 195) < 0.5, String(tp.throughputPerSec));
  });
});
