import * as assert from 'node:assert/strict';
import { BLOCKED_WAIT_MAX_K, LadderSession, MAX_REPEATS, REFERENCE_BUDGET_CALLS, REFERENCE_SHARE, type PlannedPoint, type SessionConfig } from '../../src/engine/ladderSession';
import type { ExecutorKind } from '../../src/shared/report';

/**
 * Drives a session against a made-up machine: `tp(kind, k)` gives each point's
 * throughput and every point costs `costMs` of a fake clock. Returns the points in the
 * order the session planned them and its stop reasons.
 */
function drive(
  cfg: Partial<SessionConfig>,
  tp: (kind: ExecutorKind, k: number) => number,
  budgetMs: number,
  costMs = 500,
  width = 0.02,
  references = false,
  cpuMs?: (kind: ExecutorKind, k: number) => number,
) {
  const session = new LadderSession({
    kinds: ['sequential', 'async', 'thread', 'process'],
    cores: 2,
    caps: { sequential: 1, async: 128, thread: 64, process: 4 },
    callMs: 20,
    cpuRatio: 1,
    step: 2,
    ...cfg,
  });
  let clock = 0;
  // Sequential reference windows cost half a point; most tests leave them out (the
  // budget refuses them) to follow the ladders alone.
  const cost = (p: PlannedPoint) => (p.phase === 'reference' ? costMs * REFERENCE_SHARE : costMs);
  const fits = (p: PlannedPoint) => (references || p.phase !== 'reference') && clock + cost(p) <= budgetMs;
  const plan: string[] = [];
  /** The point each reference window followed. */
  const refs: string[] = [];
  for (;;) {
    const p = session.next(fits);
    if (!p) break;
    clock += cost(p);
    if (p.phase === 'reference') {
      refs.push(plan[plan.length - 1]);
      session.record(p, { throughputPerSec: tp('sequential', 1), failed: false });
      continue;
    }
    plan.push(`${p.kind}×${p.k}`);
    const v = tp(p.kind, p.k);
    session.record(p, { throughputPerSec: v, failed: false, ci: [v * (1 - width), v * (1 + width)], noisy: width > 0.1, ...(cpuMs ? { cpuMsPerTask: cpuMs(p.kind, p.k) } : {}) });
  }
  const closing = session.closing(fits);
  return { plan, refs, stops: session.stops(), closing };
}

/** CPU work on 2 cores: pools scale to 2, async not at all. */
const cpu = (kind: ExecutorKind, k: number) => (kind === 'sequential' || kind === 'async' ? 10 : 10 * Math.min(k, 2) * 0.97);
/** GIL-held Python CPU work: threads take turns, processes scale to the cores. */
const gil = (kind: ExecutorKind, k: number) => (kind === 'process' ? 10 * Math.min(k, 2) * 0.97 : 10);
/** Waiting work: everything scales with K up to 100. */
const io = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : 10 * Math.min(k, 100));

describe('ladder session (breadth-first plan)', () => {
  it('measures the baseline, then every executor at its most informative point before any climbs', () => {
    const { plan } = drive({}, cpu, 60_000);
    assert.deepEqual(plan.slice(0, 4), ['sequential×1', 'async×2', 'thread×2', 'process×2']);
  });

  it('gives a short budget to every executor at K = cores before climbing any ladder (GIL-bound Python at 6 s)', () => {
    // The old ladder spent a small budget on threads ×1, ×2, ×4 and left processes at ×1.
    const { plan, stops } = drive({ kinds: ['sequential', 'thread', 'process'], callMs: 200 }, gil, 2000);
    assert.deepEqual(plan, ['sequential×1', 'thread×2', 'process×2', 'process×4']);
    assert.equal(stops.process, 'knee');
  });

  it('starts async where the CPU ratio says calls overlap: about 1 / ratio in flight', () => {
    const { plan } = drive({ cpuRatio: 0.02 }, io, 3000);
    assert.equal(plan[1], 'async×32');
  });

  it('steps async and pools down when their first point gained far less than its calls in flight allow (a connection limit)', () => {
    // 8 connections: whatever is in flight, 8 calls make progress at once.
    const limited = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : 10 * Math.min(k, 8) * (kind === 'async' ? 1 : 0.97));
    const { plan } = drive({ kinds: ['sequential', 'async'], cpuRatio: 0.02 }, limited, 10_000);
    // ×32 read 8×: then ×16 (1.25 × 8, rounded up to a power of two), then ×8; never up to ×64.
    assert.deepEqual(plan.slice(0, 4), ['sequential×1', 'async×32', 'async×16', 'async×8']);
    assert.ok(!plan.includes('async×64'), plan.join(' '));
    assert.ok(!plan.includes('async×4'), `the lowest point fell behind at ×8? ${plan.join(' ')}`);
    // A plain def's blocking waits start threads at cores ÷ CPU share (8); 4 connections: ×4.
    const four = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : 10 * Math.min(k, 4));
    const pools = drive({ kinds: ['sequential', 'thread'], cpuRatio: 0.02, caps: { sequential: 1, thread: 64 } }, four, 10_000).plan;
    assert.deepEqual(pools.slice(0, 3), ['sequential×1', 'thread×8', 'thread×4'], pools.join(' '));
    assert.ok(!pools.includes('thread×16') && !pools.includes('thread×2'), pools.join(' '));
    // Waiting work that scales with what is in flight climbs, and never steps down.
    const open = drive({ kinds: ['sequential', 'async'], cpuRatio: 0.02 }, io, 10_000).plan;
    assert.deepEqual(open.slice(0, 3), ['sequential×1', 'async×32', 'async×64'], open.join(' '));
    assert.ok(!open.some((p) => /^async×([0-9]|1[0-9])$/.test(p)), open.join(' '));
  });

  it('starts offloaded work (an idle calling thread, a busy process) at two calls in flight per core, not at 1 / ratio', () => {
    // pbkdf2 on libuv's pool: the calling thread spends 2% of a call on CPU, the process a
    // core; 2 cores run 2 such calls at once, and one more queued per core hides the hand-off.
    /** Offloaded CPU work on 2 cores: any executor scales to 2. */
    const offloaded = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : 10 * Math.min(k, 2) * 0.97);
    const first = (machineShare?: number, cores = 2, uvPool?: number) => {
      const session = new LadderSession({ kinds: ['sequential', 'async'], cores, caps: { sequential: 1, async: 128 }, callMs: 20, cpuRatio: 0.02, step: 2, uvPool });
      session.record({ kind: 'sequential', k: 1, phase: 'baseline' }, { throughputPerSec: offloaded('sequential', 1), failed: false });
      if (machineShare !== undefined) session.setMachineShare(machineShare);
      return session.next(() => true);
    };
    assert.deepEqual(first(1), { kind: 'async', k: 4, phase: 'breadth' });
    // The profiler's own CPU in the machine's reading must not round ×3.6 down to ×2.
    assert.equal(first(1.1)?.k, 4);
    assert.equal(first(1, 8)?.k, 16);
    // ...unless libuv's pool has fewer threads than the cores: 4 threads run 4 at once.
    assert.equal(first(1, 8, 4)?.k, 8);
    // Waiting work leaves the machine as idle as the thread: 1 / ratio still decides.
    assert.equal(first(0.03)?.k, 32);
    assert.equal(first(undefined)?.k, 32);
    // Never more than 1 / ratio: the calling thread's own CPU still limits the overlap.
    const busyThread = new LadderSession({ kinds: ['sequential', 'async'], cores: 8, caps: { sequential: 1, async: 128 }, callMs: 20, cpuRatio: 0.25, step: 2 });
    busyThread.record({ kind: 'sequential', k: 1, phase: 'baseline' }, { throughputPerSec: 10, failed: false });
    busyThread.setMachineShare(0.6);
    assert.equal(busyThread.next(() => true)?.k, 4);
  });

  it('starts the pools where the waits overlap when async showed the wait blocks its thread (execSync, a blocking client)', () => {
    // 8% CPU a call, but async ×8 gave nothing: each worker overlaps one wait, and about
    // cores ÷ 0.08 of them keep the cores busy (16 on 2 cores, at most BLOCKED_WAIT_MAX_K).
    const blocked = (kind: ExecutorKind, k: number) => (kind === 'sequential' || kind === 'async' ? 10 : 10 * Math.min(k, 24) * 0.95);
    const { plan } = drive({ cpuRatio: 0.08 }, blocked, 4000);
    assert.deepEqual(plan.slice(0, 4), ['sequential×1', 'async×8', `thread×${BLOCKED_WAIT_MAX_K}`, 'process×4']);
    // Async overlapped the waits: the pools are compared with it at K = cores, as before.
    assert.deepEqual(drive({ cpuRatio: 0.08 }, io, 4000).plan.slice(0, 4), ['sequential×1', 'async×8', 'thread×2', 'process×2']);
    // A call that mostly computes gets K = cores whatever async read.
    assert.deepEqual(drive({ cpuRatio: 0.6 }, blocked, 4000).plan.slice(0, 4), ['sequential×1', 'async×2', 'thread×2', 'process×2']);
  });

  it('reads an async point whose lanes did not all start as overlapping nothing, however wide its interval', () => {
    // 4 calls of a 40 ms blocking wait in async ×8's window: the lanes started one after
    // another and the window closed first. Its interval ([0.8×, 1.25×]) reaches a step's
    // growth, but the calls ran one at a time.
    const plan = (calls: number | undefined) => {
      const session = new LadderSession({ kinds: ['sequential', 'async', 'thread', 'process'], cores: 2, caps: { sequential: 1, async: 128, thread: 64, process: 4 }, callMs: 40, cpuRatio: 0.08, step: 2 });
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const p = session.next((x) => x.phase !== 'reference');
        if (!p) break;
        order.push(`${p.kind}×${p.k}`);
        const v = p.kind === 'sequential' || p.kind === 'async' ? 25 : 25 * Math.min(p.k, 24) * 0.95;
        const width = p.kind === 'async' ? 0.25 : 0.02;
        session.record(p, { throughputPerSec: v, failed: false, ci: [v * (1 - width), v * (1 + width)], noisy: width > 0.1, ...(p.kind === 'async' && calls !== undefined ? { calls } : {}) });
      }
      return order;
    };
    assert.deepEqual(plan(4), ['sequential×1', 'async×8', `thread×${BLOCKED_WAIT_MAX_K}`, 'process×4']);
    // The same interval with every lane started is a point that may have overlapped.
    assert.deepEqual(plan(8), ['sequential×1', 'async×8', 'thread×2', 'process×2']);
    assert.deepEqual(plan(undefined), ['sequential×1', 'async×8', 'thread×2', 'process×2']);
  });

  it('starts the pools where the waits overlap when there is no async executor (a Python plain def that sleeps)', () => {
    const python = { kinds: ['sequential', 'thread', 'process'] as ExecutorKind[] };
    assert.deepEqual(drive({ ...python, cpuRatio: 0.02 }, io, 3000).plan.slice(0, 3), ['sequential×1', `thread×${BLOCKED_WAIT_MAX_K}`, 'process×4']);
    assert.deepEqual(drive({ ...python, cpuRatio: 0.9 }, cpu, 3000).plan.slice(0, 3), ['sequential×1', 'thread×2', 'process×2']);
  });

  it('climbs ladders that still scale, never stepping over the core count from below', () => {
    const { plan } = drive({ cores: 3, caps: { sequential: 1, async: 128, thread: 64, process: 8 } }, io, 60_000);
    const thread = plan.filter((p) => p.startsWith('thread')).map((p) => Number(p.split('×')[1]));
    assert.deepEqual(thread.slice(0, 3), [3, 6, 12]);
  });

  it('stops a ladder at its knee and says so', () => {
    const { plan, stops } = drive({}, cpu, 60_000);
    assert.ok(plan.includes('thread×4'), 'one step past the cores shows the knee');
    assert.ok(!plan.includes('thread×8'));
    assert.equal(stops.thread, 'knee');
    assert.equal(stops.async, 'single-point');
    assert.equal(stops.sequential, 'single-point');
  });

  it('marks a ladder cut by the budget while still scaling as "budget", and one at its cap as "cap"', () => {
    // 1% CPU: one event loop has room for 100 calls at once, and the budget ends first.
    const short = drive({ cpuRatio: 0.01, callMs: 1000 }, io, 2000);
    assert.equal(short.stops.async, 'budget', short.plan.join(' '));
    const capped = drive({ cpuRatio: 0.001, caps: { sequential: 1, async: 8, thread: 8, process: 4 } }, io, 60_000);
    assert.equal(capped.stops.async, 'cap');
    assert.equal(capped.stops.process, 'cap');
  });

  it("judges async's room to climb from the CPU its event loop spent per call at its own points", () => {
    // A 50 ms timer: 1 ms of thread CPU a call alone (2%), mostly the loop waking up for
    // it; with calls in flight the wake-ups are shared, and the loop spent 0.03 ms a call.
    // At the baseline's share async's ceiling is 50×, and a ladder reading 64× at ×64 had
    // stopped there, as if levelled off. Its own points say the loop has room for 1600.
    const timer = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 20 : 20 * Math.min(k, 1000));
    const cfg = { kinds: ['sequential', 'async'] as ExecutorKind[], callMs: 50, cpuRatio: 0.02 };
    const shared = drive(cfg, timer, 3000, 500, 0.02, false, (kind, k) => (kind === 'sequential' ? 1 : Math.max(0.03, 1 / k)));
    assert.deepEqual(shared.plan.slice(0, 4), ['sequential×1', 'async×32', 'async×64', 'async×128'], shared.plan.join(' '));
    assert.equal(shared.stops.async, 'cap');
    // Without the points' CPU, the baseline's share stops it at ×64.
    const unread = drive(cfg, timer, 3000);
    assert.ok(!unread.plan.includes('async×128'), unread.plan.join(' '));
    // A loop that spends the same CPU per call at every K (CPU on the loop, not wake-ups)
    // keeps the baseline's ceiling.
    const own = drive(cfg, timer, 3000, 500, 0.02, false, () => 1);
    assert.ok(!own.plan.includes('async×128'), own.plan.join(' '));
  });

  it('measures the pools at K = 1 early for short calls (hand-off cost), late for long ones', () => {
    const short = drive({ callMs: 0.05 }, cpu, 60_000).plan;
    assert.deepEqual(short.slice(4, 6), ['thread×1', 'process×1']);
    const long = drive({ callMs: 50 }, cpu, 60_000).plan;
    assert.ok(long.indexOf('thread×1') > long.indexOf('thread×4'), long.join(' '));
  });

  it('spends what is left on a near-tie between the two best executors, each point at most twice', () => {
    // GIL-released Python, say: threads and processes both reach 2x, within each other's intervals.
    const { plan } = drive({ kinds: ['sequential', 'thread', 'process'], callMs: 50 }, cpu, 60_000);
    const repeats = plan.slice(plan.indexOf('process×4') + 1).filter((p) => !p.endsWith('×1'));
    assert.deepEqual(repeats.sort(), ['process×2', 'process×2', 'thread×2', 'thread×2']);
  });

  it('measures a near-tie again once before the pools\' K = 1 points for longer calls, the less measured point first', () => {
    // Two pools at K = cores read alike on CPU work; the budget holds three more points.
    const pools = { kinds: ['sequential', 'thread', 'process'] as ExecutorKind[], callMs: 30, caps: { sequential: 1, thread: 2, process: 2 } };
    const session = new LadderSession({ ...pools, cores: 2, cpuRatio: 1, step: 2 });
    const all = () => true;
    const record = (p: PlannedPoint | undefined, tp: number, calls: number) => session.record(p!, { throughputPerSec: tp, failed: false, ci: [tp * 0.85, tp * 1.15], calls });
    record(session.next(all), 10, 20);
    // Threads ×2 got a short window (8 calls), processes ×2 a long one (23).
    record(session.next(all), 13.6, 8);
    record(session.next(all), 13.7, 23);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = session.next(all)!;
      order.push(`${p.kind}×${p.k} ${p.phase}`);
      record(p, p.k === 1 ? 9 : 13.6, 10);
    }
    assert.deepEqual(order, ['thread×2 repeat', 'process×2 repeat', 'thread×1 dispatch']);
    // Short calls still measure the hand-off first: it decides between a pool and batching.
    const short = drive({ ...pools, callMs: 2 }, cpu, 60_000).plan;
    assert.ok(short.indexOf('thread×1') < short.lastIndexOf('thread×2'), short.join(' '));
  });

  it('measures again a JS thread pool that reads far below the process pool, which shares its ceiling', () => {
    // A pure CPU loop whose thread window was slowed by other load: threads ×2 0.96×, processes ×2 1.79×.
    const pools = { kinds: ['sequential', 'thread', 'process'] as ExecutorKind[], callMs: 50, caps: { sequential: 1, thread: 2, process: 2 } };
    const disturbed = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : kind === 'thread' ? 9.6 : 8.95 * k);
    const js = drive({ ...pools, threadsLikeProcesses: true }, disturbed, 60_000).plan;
    assert.equal(js.filter((p) => p === 'thread×2').length, 1 + MAX_REPEATS, js.join(' '));
    // Python threads can be held back by the GIL: no repeat for the gap alone.
    const py = drive(pools, disturbed, 60_000).plan;
    assert.equal(py.filter((p) => p === 'thread×2').length, 1, py.join(' '));
  });

  it('measures again a cheaper executor that reads within a quarter of the best one, though their intervals do not meet', () => {
    // Threads ×2 slowed by a burst of load (1.6×) beside processes ×2 at 1.9×, both with
    // tight intervals: the analysis gives the cheaper one a tie within 25%, so one
    // disturbed window decides the answer, and both are measured again.
    const pools = { kinds: ['sequential', 'thread', 'process'] as ExecutorKind[], callMs: 50, caps: { sequential: 1, thread: 2, process: 2 } };
    const burst = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : kind === 'thread' ? 8 * k : 9.5 * k);
    const close = drive(pools, burst, 60_000).plan;
    assert.equal(close.filter((p) => p === 'thread×2').length, 3, close.join(' '));
    assert.equal(close.filter((p) => p === 'process×2').length, 3, close.join(' '));
    // The costlier one trailing by as much is no tie the answer hangs on: the cheaper leader wins it anyway.
    const cheaperLeads = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : kind === 'process' ? 8 * k : 9.5 * k);
    const led = drive(pools, cheaperLeads, 60_000).plan;
    assert.equal(led.filter((p) => p === 'thread×2').length, 1, led.join(' '));
    // Nor a cheaper one far behind (60%): no window's burst makes that a tie.
    const far = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : kind === 'thread' ? 5.7 * k : 9.5 * k);
    const apart = drive(pools, far, 60_000).plan;
    assert.equal(apart.filter((p) => p === 'thread×2').length, 1, apart.join(' '));
  });

  it('measures the baseline again when a point beat it beyond its ceiling, once, right after that point', () => {
    // The first baseline ran 26% slow (a burst of load): thread × 2 reads 2.7× on 2 cores.
    let seqCalls = 0;
    const slowFirst = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? (seqCalls++ === 0 ? 7.4 : 10) : cpu(kind, k));
    const pools = { kinds: ['sequential', 'thread', 'process'] as ExecutorKind[], callMs: 50 };
    const { plan } = drive(pools, slowFirst, 60_000);
    const seqAt = plan.flatMap((p, i) => (p === 'sequential×1' ? [i] : []));
    assert.equal(seqAt.length, 2, plan.join(' '));
    assert.equal(seqAt[1], plan.indexOf('thread×2') + 1, plan.join(' '));
    // With async, which runs on the baseline's worker and cannot beat it on CPU work, the
    // slow baseline shows at once: measured again right after async, before the pools.
    seqCalls = 0;
    const withAsync = drive({ callMs: 50 }, slowFirst, 60_000).plan;
    assert.deepEqual(withAsync.slice(0, 3), ['sequential×1', 'async×2', 'sequential×1'], withAsync.join(' '));
    assert.equal(withAsync.filter((p) => p === 'sequential×1').length, 2, withAsync.join(' '));
    // On a quiet machine no pool beats the loop at K = 1, and the baseline is measured once.
    const quiet = drive({ callMs: 50 }, cpu, 60_000).plan;
    assert.equal(quiet.filter((p) => p === 'sequential×1').length, 1, quiet.join(' '));
  });

  it('measures the baseline again when a point beat its physical ceiling over it, for CPU work only', () => {
    // 3.5× at K = 4 on 2 cores: impossible for CPU work, what waiting work does.
    const beyondCores = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : 10 * Math.min(k, 3.5));
    const cfg = { kinds: ['sequential', 'thread'] as ExecutorKind[], callMs: 50, caps: { sequential: 1, thread: 4 } };
    const cpuWork = drive(cfg, beyondCores, 60_000);
    assert.equal(cpuWork.plan.filter((p) => p === 'sequential×1').length, 2, cpuWork.plan.join(' '));
    const waiting = drive({ ...cfg, cpuRatio: 0.1 }, beyondCores, 60_000);
    assert.equal(waiting.plan.filter((p) => p === 'sequential×1').length, 1, waiting.plan.join(' '));
  });

  it('measures a suspect baseline again before the next breadth point, when it fits', () => {
    // Async on the baseline's own worker reads 1.9× for CPU work (ceiling 1 ÷ CPU share = 1):
    // the baseline was measured slow, and the pools measured next must not divide by it.
    const slowStart = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : kind === 'async' ? 19 : 10 * Math.min(k, 1.8));
    const { plan } = drive({ callMs: 50 }, slowStart, 60_000);
    assert.deepEqual(plan.slice(0, 4), ['sequential×1', 'async×2', 'sequential×1', 'thread×2'], plan.join(' '));
    assert.equal(plan.filter((p) => p === 'sequential×1').length, 2, 'measured again once only');
    // No room for it beside the executors still to measure: they come first.
    const session = new LadderSession({ kinds: ['sequential', 'async', 'thread'], cores: 2, caps: { sequential: 1, async: 128, thread: 64 }, callMs: 50, cpuRatio: 1, step: 2 });
    const all = () => true;
    session.record(session.next(all)!, { throughputPerSec: 10, failed: false, ci: [9.8, 10.2] });
    session.record(session.next(all)!, { throughputPerSec: 19, failed: false, ci: [18.6, 19.4] });
    assert.deepEqual(session.next((p) => p.phase !== 'rebaseline'), { kind: 'thread', k: 2, phase: 'breadth' });
  });

  it('re-measures a noisy best point, but not a clear, quiet winner', () => {
    const clear = drive({ kinds: ['sequential', 'thread', 'process'], callMs: 50 }, gil, 60_000).plan;
    assert.equal(clear.filter((p) => p === 'process×2').length, 1, clear.join(' '));
    const noisy = drive({ kinds: ['sequential', 'thread', 'process'], callMs: 50 }, gil, 60_000, 500, 0.3).plan;
    assert.ok(noisy.filter((p) => p === 'process×2').length > 1, noisy.join(' '));
  });

  it('does not climb async past what one event loop can give: a CPU call read 17% high at ×2 stays at ×2', () => {
    // 95% CPU: async tops out at 1 / 0.95 = 1.05× at any K, so ×2 reading 1.17× is a noisy
    // window, and ×4 would spend budget the pools need.
    const noisyAsync = (kind: ExecutorKind, k: number) => (kind === 'sequential' ? 10 : kind === 'async' ? 11.7 : 10 * Math.min(k, 2) * 0.97);
    const { plan, stops } = drive({ cpuRatio: 0.95 }, noisyAsync, 60_000);
    assert.ok(!plan.includes('async×4'), plan.join(' '));
    assert.equal(stops.async, 'single-point');
    // A call that is 20% CPU has room to 5×: the same reading climbs.
    const waiting = drive({ cpuRatio: 0.2 }, (kind, k) => (kind === 'sequential' ? 10 : kind === 'async' ? 10 * Math.min(k, 5) : 10 * Math.min(k, 2)), 60_000);
    assert.ok(waiting.plan.includes('async×8'), waiting.plan.join(' '));
  });

  it('climbs the cheapest of the ladders that scale alike first (async before threads on waiting work)', () => {
    const { plan } = drive({ cpuRatio: 0.3 }, io, 60_000);
    // Breadth: async at 1/0.3 → 2, pools at 2; all three scale alike, so async climbs first.
    assert.deepEqual(plan.slice(0, 5), ['sequential×1', 'async×2', 'thread×2', 'process×2', 'async×4']);
  });

  it("takes async's first K from the warm baseline's CPU ratio, not the probe's (a first call pays for start-up)", () => {
    const session = new LadderSession({ kinds: ['sequential', 'async'], cores: 2, caps: { sequential: 1, async: 128 }, callMs: 20, cpuRatio: 0.9, step: 2 });
    const all = () => true;
    session.record(session.next(all)!, { throughputPerSec: 10, failed: false });
    session.setCpuRatio(0.03);
    assert.deepEqual(session.next(all), { kind: 'async', k: 32, phase: 'breadth' });
  });

  it('stops a ladder whose point failed', () => {
    const session = new LadderSession({ kinds: ['sequential', 'thread'], cores: 2, caps: { sequential: 1, thread: 64 }, callMs: 5, cpuRatio: 1, step: 2 });
    const all = () => true;
    session.record(session.next(all)!, { throughputPerSec: 10, failed: false });
    const t = session.next(all)!;
    assert.deepEqual(t, { kind: 'thread', k: 2, phase: 'breadth' });
    session.record(t, { throughputPerSec: 0, failed: true });
    assert.equal(session.next(all), undefined);
    assert.equal(session.stops().thread, 'failures');
  });

  it('keeps the closing baseline for last, and only once', () => {
    const { closing } = drive({}, cpu, 60_000);
    assert.deepEqual(closing, { kind: 'sequential', k: 1, phase: 'closing' });
    const none = drive({}, cpu, 1000);
    assert.equal(none.closing, undefined, 'no closing point when it does not fit');
  });

  it('counts the points still to come so the budget can be shared out', () => {
    const cfg: SessionConfig = { kinds: ['sequential', 'async', 'thread', 'process'], cores: 2, caps: { sequential: 1, async: 128, thread: 64, process: 4 }, callMs: 200, cpuRatio: 1, step: 2 };
    // baseline + 3 breadth points + about one more each + closing
    assert.equal(new LadderSession(cfg).pointsLeft(), 1 + 3 * 2 + 1);
    // ... and, for short calls, the pools' K = 1 hand-off checks and a half-size reference
    // after each of the three points the answer rests on
    assert.equal(new LadderSession({ ...cfg, callMs: 2 }).pointsLeft(), 1 + 3 * 2 + 2 + 3 * REFERENCE_SHARE + 1);
  });

  it('follows each point the answer rests on with a sequential reference window, not the K = 1 hand-off checks', () => {
    const { plan, refs } = drive({ callMs: 2 }, cpu, 60_000, 500, 0.02, true);
    assert.deepEqual(plan.slice(0, 4), ['sequential×1', 'async×2', 'thread×2', 'process×2']);
    for (const p of ['async×2', 'thread×2', 'process×2', 'thread×4']) assert.ok(refs.includes(p), `a reference after ${p}: ${refs.join(', ')}`);
    assert.ok(!refs.includes('thread×1') && !refs.includes('process×1'), `no reference after a hand-off check: ${refs.join(', ')}`);
    assert.ok(!refs.includes('sequential×1'), 'the baseline needs none');
    const slow = drive({ callMs: 25 }, cpu, 60_000, 500, 0.02, true);
    assert.deepEqual(slow.refs, [], 'a 25 ms call would leave a reference window a handful of calls');
  });

  it('gives slower CPU calls reference windows when the budget holds REFERENCE_BUDGET_CALLS warm calls, never waits', () => {
    // The cpu machine's baseline reads 10 calls/s: 100 ms warm calls, whatever the probe said.
    const long = drive({ callMs: 150, budgetMs: 100 * REFERENCE_BUDGET_CALLS }, cpu, 60_000, 500, 0.02, true);
    for (const p of ['async×2', 'thread×2', 'process×2']) assert.ok(long.refs.includes(p), `a reference after ${p}: ${long.refs.join(', ')}`);
    // A JIT-heavy probe call (150 ms) is not what the budget holds: the warm call (100 ms) is.
    const short = drive({ callMs: 150, budgetMs: 100 * REFERENCE_BUDGET_CALLS - 1 }, cpu, 60_000, 500, 0.02, true);
    assert.deepEqual(short.refs, [], 'a budget of fewer warm calls leaves each reference a handful of them');
    // A wait runs as fast on a slow machine: its ladder keeps the time to climb.
    const waits = drive({ callMs: 150, cpuRatio: 0.05, budgetMs: 10 * 100 * REFERENCE_BUDGET_CALLS }, io, 60_000, 500, 0.02, true);
    assert.deepEqual(waits.refs, []);
    // ... unless the call's CPU runs on other threads (libuv's pool): that slows down with the machine.
    const handedOff = drive({ callMs: 150, cpuRatio: 0.05, machineShare: 0.9, budgetMs: 100 * REFERENCE_BUDGET_CALLS }, cpu, 60_000, 500, 0.02, true);
    assert.ok(handedOff.refs.includes('thread×2'), handedOff.refs.join(', '));
  });

  it('judges whether a ladder still scales against the latest sequential speed, references included', () => {
    const session = new LadderSession({ kinds: ['sequential', 'async'], cores: 2, caps: { sequential: 1, async: 64 }, callMs: 0.01, cpuRatio: 1, step: 2 });
    const all = () => true;
    session.record(session.next(all)!, { throughputPerSec: 100, failed: false });
    const a = session.next(all)!;
    assert.deepEqual(a, { kind: 'async', k: 2, phase: 'breadth' });
    // 1.12× the start baseline, but the machine got faster: the reference beside it reads 125.
    session.record(a, { throughputPerSec: 112, failed: false });
    const ref = session.next(all)!;
    assert.equal(ref.phase, 'reference');
    session.record(ref, { throughputPerSec: 125, failed: false });
    const next = session.next(all);
    assert.ok(!next || !(next.kind === 'async' && next.phase === 'climb'), `no climb on async: ${JSON.stringify(next)}`);
    assert.equal(session.stops().async, 'single-point');
  });

  it('needs no closing baseline right after a reference window', () => {
    const session = new LadderSession({ kinds: ['sequential', 'thread'], cores: 2, caps: { sequential: 1, thread: 2 }, callMs: 5, cpuRatio: 1, step: 2 });
    const all = () => true;
    session.record(session.next(all)!, { throughputPerSec: 10, failed: false });
    const t = session.next(all)!;
    session.record(t, { throughputPerSec: 19, failed: false });
    const ref = session.next(all)!;
    assert.deepEqual(ref, { kind: 'sequential', k: 1, phase: 'reference' });
    session.record(ref, { throughputPerSec: 10, failed: false });
    assert.equal(session.closing(all), undefined);
  });
});
