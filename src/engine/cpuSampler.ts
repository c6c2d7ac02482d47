// Per-core utilisation, sampled from os.cpus() on the caller's thread. The caller is
// idle while user code runs in workers and children, so a 50 ms timer here costs
// nothing measurable and sees every core, ours and other processes' alike.
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import type { BackgroundLoad } from '../shared/report';
import { throwIfAborted } from './js/abort';
import { round3 } from '../shared/rounding';
import { epochNow } from '../shared/closedLoop';

interface CoreTimes {
  busy: number;
  total: number;
}

function readCores(): CoreTimes[] {
  return os.cpus().map((c) => {
    const t = c.times;
    const busy = t.user + t.nice + t.sys + t.irq;
    return { busy, total: busy + t.idle };
  });
}

/** Aggregate steal ticks from /proc/stat (Linux VMs); 0 elsewhere. */
function readSteal(): { steal: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { steal: f[7] ?? 0, total };
  } catch {
    return { steal: 0, total: 0 };
  }
}

function busyFractions(prev: CoreTimes[], next: CoreTimes[]): number[] {
  return next.map((n, i) => {
    const p = prev[i] ?? n;
    const dt = n.total - p.total;
    // os.cpus() ticks are 10 ms; a window with no ticks says nothing, not "idle".
    if (dt <= 0) return 0;
    return Math.min(1, Math.max(0, (n.busy - p.busy) / dt));
  });
}

export interface CoreSample {
  /** Absolute epoch ms at the end of the sample's interval. */
  atMs: number;
  busy: number[];
}

export class CpuSampler {
  readonly samples: CoreSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: CoreTimes[] = [];
  startedAtMs = 0;

  constructor(readonly intervalMs = 50) {}

  start(): void {
    this.last = readCores();
    this.startedAtMs = nowMs();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    const next = readCores();
    this.samples.push({ atMs: nowMs(), busy: busyFractions(this.last, next) });
    this.last = next;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Mean busy fraction over all cores for samples inside [fromMs, toMs]. */
  utilizationBetween(fromMs: number, toMs: number): number {
    const inside = this.samples.filter((s) => s.atMs > fromMs && s.atMs - this.intervalMs < toMs);
    if (inside.length === 0) return 0;
    const per = inside.map((s) => s.busy.reduce((a, b) => a + b, 0) / s.busy.length);
    return per.reduce((a, b) => a + b, 0) / per.length;
  }

  /** cores[c][i], resampled onto a fixed grid that starts at startedAtMs. */
  grid(): number[][] {
    const cores = os.cpus().length;
    const out: number[][] = Array.from({ length: cores }, () => []);
    for (const s of this.samples) {
      const i = Math.max(0, Math.round((s.atMs - this.startedAtMs) / this.intervalMs) - 1);
      for (let c = 0; c < cores; c++) out[c][i] = round3(s.busy[c] ?? 0);
    }
    // Timer slips leave holes; carry the previous value rather than inventing idle.
    for (const row of out) for (let i = 0; i < row.length; i++) if (row[i] === undefined) row[i] = i > 0 ? row[i - 1] : 0;
    return out;
  }
}

/** Epoch ms, the clock every executor's samples use (the closed loop's epochNow). */
export const nowMs = epochNow;

/**
 * Measures how busy the machine is before we start anything, so that a run on a
 * loaded machine can be flagged and our own CPU use separated from others'.
 */
export async function measureBackgroundLoad(durationMs = 300, signal?: AbortSignal): Promise<BackgroundLoad> {
  const before = readCores();
  const stealBefore = readSteal();
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, durationMs);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
  const after = readCores();
  const stealAfter = readSteal();
  const fr = busyFractions(before, after);
  const busyCores = fr.reduce((a, b) => a + b, 0);
  const dTotal = stealAfter.total - stealBefore.total;
  const steal = dTotal > 0 ? (stealAfter.steal - stealBefore.steal) / dTotal : 0;
  const utilization = fr.length ? busyCores / fr.length : 0;
  return {
    busyCores: round3(busyCores),
    utilization: round3(utilization),
    steal: round3(steal),
    // A quarter of a core busy elsewhere is enough to bend a 2-core scaling curve.
    busy: busyCores > 0.25 || steal > 0.05,
  };
}

/**
 * How long the background reading takes for a budget: 5% of it, within 150-300 ms. A
 * 3 s profile of a JIT-heavy function needs every 100 ms for warm-up; 150 ms still reads
 * 30 scheduler ticks on 2 cores, enough to tell a quarter of a core busy.
 */
export function backgroundWindowMs(budgetMs: number): number {
  return Math.round(Math.min(300, Math.max(150, budgetMs * 0.05)));
}

/**
 * The start of every profile: the machine's background load first (nothing of ours
 * running yet), then the sampler that draws the heat map. Throws Errors.cancelled() if
 * the profile is cancelled before or during the measurement.
 */
export async function backgroundThenSample(sampler: CpuSampler, signal: AbortSignal, emit: (e: { phase: 'background'; message: string }) => void, budgetMs: number): Promise<BackgroundLoad> {
  throwIfAborted(signal);
  emit({ phase: 'background', message: 'Measuring background load' });
  const background = await measureBackgroundLoad(backgroundWindowMs(budgetMs), signal);
  throwIfAborted(signal);
  sampler.start();
  return background;
}
