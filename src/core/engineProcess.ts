// profile() in a child process of its own: what the CLI and the extension host call.
//
// The runtimes already keep user code off the caller's thread, but the probe and the
// sequential, async and thread executors run it in worker threads, and a thread shares
// its process: a native crash (a segfaulting addon, process.kill(process.pid, 'SIGSEGV')),
// memory outside the JS heap (Buffers are not covered by a thread's resourceLimits), or a
// raw write to fd 1 from a thread would hit the CLI or the whole extension host. Here they
// hit the engine process instead, which is forked detached (it leads its own process
// group), so anything user code spawned from a thread is killed with that group when the
// profile ends, however it ends.
import { fork } from 'node:child_process';
import { Errors, ProfileError, type ProfileErrorCode } from './errors';
import type { ProfileHooks, ProfileOptions, ProgressEvent } from './options';
import { runtimeFile } from './paths';
import type { ErrorSample, Report } from './report';

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
const OOM = /heap out of memory|Allocation failed|out of memory|ERR_WORKER_OUT_OF_MEMORY/i;

export async function profileInEngineProcess(options: ProfileOptions, hooks: ProfileHooks = {}): Promise<Report> {
  const signal = hooks.signal;
  if (signal?.aborted) throw Errors.cancelled();
  const child = fork(runtimeFile('engineHost'), [], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Not the caller's flags (an inspector port, --max-old-space-size of an editor).
    execArgv: [],
    // In desktop VS Code process.execPath is the Electron binary: this makes it act as
    // plain Node (harmless under Node). Children the engine forks inherit it.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    serialization: 'advanced',
  });
  const pid = child.pid;
  const out = { stdout: '', stderr: '', truncated: false };
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
  let reply: Extract<EngineReply, { type: 'report' | 'error' }> | undefined;
  let cancelled = false;
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

  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.on('message', (m: EngineReply) => {
        if (m.type === 'progress') {
          lastProgress = m.event;
          try {
            hooks.onProgress?.(m.event);
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
    if (reply?.type === 'report') return withEngineOutput(reply.report, out, options.maxOutputBytes);
    if (reply?.type === 'error') throw toError(reply);
    if (cancelled) throw Errors.cancelled();
    throw engineDied(options.functionName, exit, lastProgress, stderrTail);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
    clearTimeout(drainTimer);
    // Whatever user code spawned from a worker thread is still in the engine's group.
    killGroup();
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
function withEngineOutput(report: Report, raw: { stdout: string; stderr: string; truncated: boolean }, max = 64 * 1024): Report {
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

function engineDied(
  functionName: string,
  exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error },
  last: ProgressEvent | undefined,
  stderrTail: string,
): Error {
  if (exit.error) return new ProfileError('internal', `Could not run the profiler's engine process: ${exit.error.message}`);
  // Not a word from profile() yet: the engine itself failed to start, not the user's code.
  if (!last) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const lines = stderrTail.split('\n').map((l) => l.trim()).filter(Boolean);
    const why = lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ?? lines[lines.length - 1];
    return new ProfileError('internal', `The profiler's engine process ${how} before it started${why ? `: ${why}` : '.'}`);
  }
  const during = last?.phase === 'run' && last.executor ? `while measuring ${last.executor} × ${last.concurrency ?? 1}` : last?.phase === 'probe' ? 'on its first call' : 'during the profile';
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const oom = OOM.test(stderrTail);
  const kind = oom ? 'out-of-memory' : exit.signal ? 'crash' : 'exit';
  const message =
    `${functionName} took down the profiler's engine process ${during}: it ${how}` +
    (oom ? ' after running out of memory' : '') +
    '. Worker threads share that process, so a native crash or memory exhaustion in one ends the profile; the editor and the CLI are unaffected.';
  const sample: ErrorSample = { kind, message, count: 1 };
  const tail = stderrTail.trim();
  if (tail) sample.stack = tail.split('\n').slice(-20).join('\n');
  return new ProfileError('function-failed', message, sample);
}
