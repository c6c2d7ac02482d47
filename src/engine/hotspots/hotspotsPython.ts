// Engine side of the Python hot-spot pass. The pass runs where the function is loaded
// already when it can: the sequential executor's warm harness, between points (its
// `hotspots` command, HarnessSession.hotspots). Otherwise it runs here, in one fresh
// `python hotspots.py` process, leader of its own process group so a timeout or an
// abort ends it and anything it started; its config goes in on stdin and its one result
// line comes back on fd 3, so what the user's code prints never mixes with the protocol.
// Both send the same message (python/harness_hotspots.py), folded here the same way.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ExecutorLimits, HotspotRequest, HotspotResult } from '../executorTypes';
import { Errors } from '../../shared/errors';
import { rankHotspots, TOP_HOTSPOTS, type HotspotTally } from './hotspots';
import { pct } from '../../shared/format';
import { pythonFile } from '../paths';
import type { HotspotWait } from '../../shared/report';

/** Start-up, import and hand-back time allowed past the window, in a process of its own. */
const FRESH_SLACK_MS = 10_000;
/** Hand-back time allowed past the window in a warm harness, which starts and imports nothing. */
const WARM_SLACK_MS = 3_000;
/** Waits below this share of the pass's wall time are not listed: the sampler's own GIL hand-offs make a few %. */
const MIN_WAIT_SHARE = 0.05;

/** The pass's result message, from hotspots.py or the harness's `hotspots` command. */
export interface PythonHotspotPass {
  t: 'hotspots';
  calls: number;
  failures: number;
  firstError: string | null;
  wallMs: number;
  samples: number;
  cpu: number;
  wall: number;
  /** Wall time without CPU and outside the run queue: the calls were blocked or awaiting. */
  waited: number;
  threadClock: boolean;
  isAsync: boolean;
  functions: { function: string; file: string; line: number; origin: 'user' | 'dependency'; cpu: number; lines: [number, number][] }[];
  waits: { function: string; file: string; line: number; wait: number }[];
}

export interface PythonHotspotTarget {
  python: string;
  cwd: string;
  /** The harness's load config (sourcePath, displayPath, function, sysPath, memoryLimitMb). */
  load: Record<string, unknown>;
  args: unknown[];
}

/**
 * How long a pass may take before its process is killed: its window, one call that
 * starts at the window's end and runs to the per-call timeout, and the slack.
 */
export function hotspotPassTimeoutMs(limits: ExecutorLimits, req: HotspotRequest, warm: boolean): number {
  return req.durationMs + (Number.isFinite(limits.callTimeoutMs) ? limits.callTimeoutMs : 0) + (warm ? WARM_SLACK_MS : FRESH_SLACK_MS);
}

/** The pass in a fresh `python hotspots.py` process, for when no warm harness can run it. */
export async function pythonHotspots(t: PythonHotspotTarget, limits: ExecutorLimits, req: HotspotRequest, signal: AbortSignal): Promise<HotspotResult> {
  return foldHotspotPass(await runPass(t, limits, req, signal));
}

/** The pass's message as the report's hot spots, waits and note, wherever it ran. */
export function foldHotspotPass(r: PythonHotspotPass): HotspotResult {
  const tallies: HotspotTally[] = r.functions.map((f) => ({ ...f, weight: f.cpu, lines: new Map(f.lines) }));
  const hotspots = rankHotspots(tallies, r.cpu);
  const waits: HotspotWait[] = r.waits
    .map((w) => ({ function: w.function, file: w.file, line: w.line, waitShare: r.wall > 0 ? Math.round((w.wait / r.wall) * 1000) / 1000 : 0 }))
    .filter((w) => w.waitShare >= MIN_WAIT_SHARE)
    .sort((a, b) => b.waitShare - a.waitShare)
    .slice(0, TOP_HOTSPOTS);
  return { hotspots, waits, calls: r.calls, wallMs: r.wallMs, ...(r.threadClock ? { cpuMs: r.cpu * 1000 } : {}), note: describePass(r, waits) };
}

function describePass(r: PythonHotspotPass, waits: HotspotWait[]): string {
  const parts = [
    `Frame sampler every 1 ms, ${r.calls} call${r.calls === 1 ? '' : 's'} in ${Math.round(r.wallMs)} ms, ${r.samples} samples${r.threadClock ? ' weighed by the thread\'s CPU clock' : ''}, in a separate pass that no measured point includes.`,
  ];
  if (r.failures) parts.push(`${r.failures} of the calls failed${r.firstError ? ` (${r.firstError.split('\n')[0].slice(0, 120)})` : ''}.`);
  const waitShare = r.wall > 0 ? r.waited / r.wall : 0;
  if (!r.threadClock) parts.push('This platform has no per-thread CPU clock: shares are of wall time, and waits cannot be told from work.');
  else if (waitShare >= 0.15) {
    parts.push(
      waits.length
        ? `The calls waited ${pct(waitShare)} of the pass; the lines they waited at${r.isAsync ? ' (awaits included)' : ''} are listed apart.`
        : `The calls waited ${pct(waitShare)} of the pass, at no single line of the user's code.`,
    );
  }
  return parts.join(' ');
}

function runPass(t: PythonHotspotTarget, limits: ExecutorLimits, req: HotspotRequest, signal: AbortSignal): Promise<PythonHotspotPass> {
  if (signal.aborted) return Promise.reject(Errors.cancelled());
  const child = spawn(t.python, [pythonFile('hotspots.py')], {
    cwd: t.cwd,
    detached: true,
    windowsHide: true,
    stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '4' },
  });
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  return new Promise<PythonHotspotPass>((resolve, reject) => {
    let settled = false;
    let stderrTail = '';
    let out = '';
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      killGroup();
      f();
    };
    const onAbort = () => finish(() => reject(Errors.cancelled()));
    signal.addEventListener('abort', onAbort, { once: true });
    const limit = hotspotPassTimeoutMs(limits, req, false);
    const timer = setTimeout(() => finish(() => reject(new Error(`the pass did not end within ${Math.round(limit / 1000)} s`))), limit);
    child.stderr!.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-2000)));
    (child.stdio[3] as Readable).on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      let msg: PythonHotspotPass | { t: 'failed'; message: string };
      try {
        msg = JSON.parse(out.slice(0, nl));
      } catch (e) {
        return finish(() => reject(new Error(`unreadable result from hotspots.py: ${(e as Error).message}`)));
      }
      if (msg.t === 'failed') finish(() => reject(new Error(`the module did not load: ${msg.message}`)));
      else finish(() => resolve(msg as PythonHotspotPass));
    });
    child.on('error', (e) => finish(() => reject(new Error(`could not start ${t.python}: ${e.message}`))));
    child.on('exit', (code, sig) => {
      // The result line may still be in the pipe; give it a moment before calling it a death.
      setTimeout(() => {
        const last = stderrTail.trim().split('\n').pop() ?? '';
        finish(() => reject(new Error(`the Python process ended (${sig ?? `exit code ${code}`}) before sending a profile${last ? `: ${last}` : ''}`)));
      }, 200);
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(JSON.stringify({ ...t.load, args: t.args, ...req }));
  });
}
