// profile() in a child process of its own: what the CLI and the extension host call.
//
// The runtimes already keep user code off the caller's thread, but the probe and the
// sequential, async and thread executors run it in worker threads, and a thread shares
// its process: a native crash (a segfaulting addon, process.kill(process.pid, 'SIGSEGV')),
// memory outside the JS heap (Buffers are not covered by a thread's resourceLimits), or a
// raw write to fd 1 from a thread would hit the CLI or the whole extension host. Here they
// hit the engine process instead, which is forked detached (it leads its own process
// group), so anything user code spawned from a thread is killed with that group when the
// profile ends, however it ends; and what left the group (setsid) is found by a
// ProcessTree and killed too.
//
// When the engine dies while measuring an executor (a native crash in a thread, or its
// RSS past the cap, see rssWatch.ts), the profile goes on: a new engine process measures
// the other executors within what is left of the budget, and the report shows the crash
// in the row of the executor that crashed (engineCrash.ts). A crash on the first call
// (or before it) still ends the profile with a clear error.
import { fork } from 'node:child_process';
import { crashCaveat, crashRow, deathWords, mergeOutputs, type EngineDeath } from './engineCrash';
import { Errors, ProfileError, type ProfileErrorCode } from '../shared/errors';
import { DEFAULTS, type ProfileHooks, type ProfileOptions, type ProgressEvent } from '../shared/options';
import { runtimeFile } from './paths';
import { ProcessTree } from './processTree';
import type { ErrorSample, ExecutorKind, Report } from '../shared/report';
import { caveatOf, contextOf } from '../shared/wording';
import { engineRssCapMb, RssWatch, userThreads } from './rssWatch';

/** Caller → engine process. */
export type EngineRequest = { type: 'profile'; options: ProfileOptions } | { type: 'cancel' };

/** Engine process → caller. */
export type EngineReply =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'report'; report: Report }
  | { type: 'error'; code: ProfileErrorCode; message: string; userError?: ErrorSample; stack?: string };

/** After a cancel, how long the engine gets to stop its pools before its group is killed. */
const CANCEL_GRACE_MS = 5000;
/** Output the engine process itself printed (raw fd writes from threads), kept for the report. */
const TAIL_BYTES = 8192;
/** A restarted engine gets what is left of the budget, but at least this: background, probe, baseline and a point or two. */
const MIN_RESTART_BUDGET_MS = 1500;

type RawOutput = { stdout: string; stderr: string; truncated: boolean };
type Attempt = { report: Report; out: RawOutput } | { death: EngineDeath; out: RawOutput };

export async function profileInEngineProcess(options: ProfileOptions, hooks: ProfileHooks = {}): Promise<Report> {
  const started = Date.now();
  const budgetMs = options.budgetMs ?? DEFAULTS.budgetMs;
  const deaths: EngineDeath[] = [];
  const outputs: RawOutput[] = [];
  let executors = options.executors ?? DEFAULTS.executors;
  let attemptOptions = options;
  // One restart per executor at most: each crash removes the executor that crashed.
  for (;;) {
    const attempt = await runEngine(attemptOptions, hooks, started, budgetMs);
    outputs.push(attempt.out);
    if ('report' in attempt) {
      const report = withEngineOutput(attempt.report, mergeOutputs(outputs), options.maxOutputBytes);
      return deaths.length ? withCrashes(report, deaths, options.functionName, started, budgetMs) : report;
    }
    const death = attempt.death;
    const kind = death.last?.phase === 'run' ? death.last.executor : undefined;
    // Before the first call, on it, or in the baseline every run is compared with: no
    // report can be made without it.
    if (!kind || kind === 'sequential' || !executors.includes(kind)) throw engineDied(options.functionName, death);
    const remaining = budgetMs - (Date.now() - started);
    // Executors run in a fixed order, so the ones seen before the crash are done. Their
    // results died with the engine: measure them again if half the budget is left,
    // otherwise spend what is left on the ones not measured yet (the caveat says so).
    const done = death.seen.filter((k) => k !== kind && k !== 'sequential');
    executors = executors.filter((k) => k !== kind);
    const skipped = remaining >= budgetMs / 2 ? [] : executors.filter((k) => done.includes(k));
    deaths.push({ ...death, skipped });
    attemptOptions = { ...options, executors: executors.filter((k) => !skipped.includes(k)), budgetMs: Math.max(MIN_RESTART_BUDGET_MS, remaining) };
    if (hooks.signal?.aborted) throw Errors.cancelled();
    try {
      hooks.onProgress?.({
        phase: 'load',
        fraction: Math.min(1, (Date.now() - started) / budgetMs),
        message: `${kind} crashed the engine process; going on without it`,
      });
    } catch {
      /* a failing progress listener must not lose the profile */
    }
  }
}

/** One engine process, one profile() in it: its report, or how it died. Error replies and cancel throw. */
async function runEngine(options: ProfileOptions, hooks: ProfileHooks, started: number, budgetMs: number): Promise<Attempt> {
  const signal = hooks.signal;
  if (signal?.aborted) throw Errors.cancelled();
  const tree = new ProcessTree();
  const child = fork(runtimeFile('engineHost'), [], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Not the caller's flags (an inspector port, --max-old-space-size of an editor).
    execArgv: [],
    // In desktop VS Code process.execPath is the Electron binary: this makes it act as
    // plain Node (harmless under Node). Children the engine forks inherit it, and the
    // tree's tag.
    env: tree.env({ ...process.env, ELECTRON_RUN_AS_NODE: '1' }),
    serialization: 'advanced',
  });
  const pid = child.pid;
  tree.watch(pid);
  const out: RawOutput = { stdout: '', stderr: '', truncated: false };
  let stderrTail = '';
  const keep = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    const room = TAIL_BYTES - out[stream].length;
    if (room <= 0) out.truncated = true;
    else {
      const text = d.toString('utf8');
      if (text.length > room) out.truncated = true;
      out[stream] += text.slice(0, room);
    }
    if (stream === 'stderr') stderrTail = (stderrTail + d.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout!.on('data', keep('stdout'));
  child.stderr!.on('data', keep('stderr'));

  let lastProgress: ProgressEvent | undefined;
  const seen: ExecutorKind[] = [];
  let reply: Extract<EngineReply, { type: 'report' | 'error' }> | undefined;
  let cancelled = false;
  let overMemory: EngineDeath['overMemory'];
  let killTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  const killGroup = () => {
    if (!pid) return;
    try {
      process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
    } catch {
      /* the group is already empty */
    }
  };
  const onAbort = () => {
    cancelled = true;
    if (child.connected) child.send({ type: 'cancel' } satisfies EngineRequest, () => undefined);
    killTimer ??= setTimeout(killGroup, CANCEL_GRACE_MS);
  };
  // Threads share the engine's memory: past the cap for the threads running now, the
  // whole engine is stopped and the executor running is treated as having crashed.
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULTS.memoryLimitMb;
  const rss = new RssWatch(
    pid,
    () => engineRssCapMb(memoryLimitMb, userThreads(lastProgress?.executor, lastProgress?.concurrency)),
    (rssMb, capMb) => {
      if (reply) return;
      overMemory = { rssMb, capMb };
      killGroup();
    },
  );

  try {
    const exit = await new Promise<EngineDeath['exit']>((resolve) => {
      child.on('message', (m: EngineReply) => {
        if (m.type === 'progress') {
          lastProgress = m.event;
          if (m.event.phase === 'run' && m.event.executor && !seen.includes(m.event.executor)) seen.push(m.event.executor);
          try {
            hooks.onProgress?.({ ...m.event, fraction: Math.min(1, (Date.now() - started) / budgetMs) });
          } catch {
            /* a failing progress listener must not lose the profile */
          }
        } else reply = m;
      });
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      // 'close' comes once the IPC channel and pipes are drained too, so the last reply
      // has arrived. A grandchild holding our pipes would delay it: sweep the group on
      // 'exit', and do not wait for the pipes for long.
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      child.on('exit', (code, sig) => {
        exited = { code, signal: sig };
        killGroup();
        drainTimer = setTimeout(() => resolve(exited!), 2000);
      });
      child.on('close', (code, sig) => resolve(exited ?? { code, signal: sig }));
      signal?.addEventListener('abort', onAbort, { once: true });
      child.send({ type: 'profile', options } satisfies EngineRequest, (e) => e && resolve({ code: null, signal: null, error: e }));
    });
    if (reply?.type === 'report') return { report: reply.report, out };
    if (reply?.type === 'error') throw toError(reply);
    if (cancelled) throw Errors.cancelled();
    return { death: { exit, last: lastProgress, seen, stderrTail, overMemory }, out };
  } finally {
    rss.stop();
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
    clearTimeout(drainTimer);
    // Whatever user code spawned from a worker thread is still in the engine's group,
    // or was seen leaving it.
    killGroup();
    tree.killAll();
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}

function toError(r: Extract<EngineReply, { type: 'error' }>): Error {
  if (r.code !== 'internal' || !r.stack) return new ProfileError(r.code, r.message, r.userError);
  const e = new Error(r.message);
  e.stack = r.stack;
  return e;
}

/** What printed straight to the engine's fds (e.g. fs.writeSync(1) in a thread) joins the captured output. */
function withEngineOutput(report: Report, raw: RawOutput, max = 64 * 1024): Report {
  if (!raw.stdout && !raw.stderr) return report;
  const o = report.output ?? { stdout: '', stderr: '', truncated: false };
  const stdout = o.stdout + raw.stdout;
  const stderr = o.stderr + raw.stderr;
  report.output = {
    stdout: stdout.slice(0, max),
    stderr: stderr.slice(0, max),
    truncated: o.truncated || raw.truncated || stdout.length > max || stderr.length > max,
  };
  return report;
}

/** The report of the last engine, plus a row and a caveat per executor that crashed an earlier one. */
function withCrashes(report: Report, deaths: EngineDeath[], functionName: string, started: number, budgetMs: number): Report {
  const order: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];
  for (const d of deaths) {
    const row = crashRow(d);
    // After the last row of every executor that comes before it, so the table keeps its order.
    const at = report.runs.findIndex((r) => order.indexOf(r.executor) > order.indexOf(row.executor));
    report.runs.splice(at < 0 ? report.runs.length : at, 0, row);
    report.caveats.unshift(caveatOf(crashCaveat(functionName, d), contextOf(report)));
  }
  report.durationMs = Date.now() - started;
  report.budgetMs = budgetMs;
  return report;
}

function engineDied(functionName: string, death: EngineDeath): Error {
  const { exit, last, stderrTail } = death;
  if (exit.error) return new ProfileError('internal', `Could not run the profiler's engine process: ${exit.error.message}`);
  // Not a word from profile() yet: the engine itself failed to start, not the user's code.
  if (!last) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const lines = stderrTail.split('\n').map((l) => l.trim()).filter(Boolean);
    const why = lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ?? lines[lines.length - 1];
    return new ProfileError('internal', `The profiler's engine process ${how} before it started${why ? `: ${why}` : '.'}`);
  }
  const during =
    last.phase === 'run' && last.executor
      ? `while measuring ${last.executor} × ${last.concurrency ?? 1}${last.executor === 'sequential' ? ' (the baseline every executor is compared with)' : ''}`
      : last.phase === 'probe'
        ? 'on its first call'
        : 'during the profile';
  const { kind, how } = deathWords(death);
  const message =
    `${functionName} took down the profiler's engine process ${during}: ${how}. ` +
    'Worker threads share that process, so no report could be made; the editor and the CLI are unaffected.';
  const sample: ErrorSample = { kind, message, count: 1 };
  const tail = stderrTail.trim();
  if (tail) sample.stack = tail.split('\n').slice(-20).join('\n');
  return new ProfileError('function-failed', message, sample);
}
