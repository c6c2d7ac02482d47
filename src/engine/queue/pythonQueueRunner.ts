// Python queue runner: one `python/queue_harness.py` process per crawl, its own process
// group (spawned detached) so a cancel or a hang ends it, its pool processes and anything
// the user's code started, with one group kill. The config goes in on stdin, the result
// comes back as one JSON line on fd 3; the user's stdout and stderr stay theirs.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Errors } from '../../shared/errors';
import type { ExecutorLimits, LoadedTarget } from '../executorTypes';
import { OutputCollector } from '../../shared/outputCapture';
import type { ErrorInfo } from '../../shared/errorInfo';
import { pythonFile } from '../paths';
import { killGroup, killGroupAtExit } from '../processGroups';
import type { LoadConfig } from '../python/harnessSession';
import type { ExecutorKind } from '../../shared/report';
import type { CrawlRequest, CrawlResult, QueueRunner } from '../../shared/queue/queueTypes';

/** The harness's load config for a target the Python runtime already validated and imported once. */
export function queueLoadConfig(target: LoadedTarget, limits: ExecutorLimits): LoadConfig {
  const sourcePath = target.tempDir ? path.join(target.tempDir, path.basename(target.file)) : target.file;
  const root = target.workspaceRoot;
  return {
    sourcePath,
    displayPath: target.file,
    function: target.functionName,
    sysPath: [path.dirname(target.file), ...(root && root !== path.dirname(target.file) ? [root] : [])],
    memoryLimitMb: limits.memoryLimitMb,
  };
}

export class PythonQueueRunner implements QueueRunner {
  readonly maxConcurrency: number;
  private pids = new Set<number>();

  constructor(
    readonly kind: ExecutorKind,
    private readonly target: LoadedTarget,
    private readonly limits: ExecutorLimits,
  ) {
    this.maxConcurrency = kind === 'process' ? 64 : kind === 'sequential' ? 1 : 1024;
  }

  crawl(req: CrawlRequest): Promise<CrawlResult> {
    const k = this.kind === 'sequential' ? 1 : req.concurrency;
    const cwd = this.target.workspaceRoot ?? path.dirname(this.target.file) ?? os.tmpdir();
    const child = spawn(this.target.python ?? 'python3', [pythonFile('queue_harness.py')], {
      cwd,
      detached: true,
      windowsHide: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '4' },
    });
    const pid = child.pid;
    const forgetAtExit = pid ? killGroupAtExit(pid) : undefined;
    if (pid) this.pids.add(pid);
    const output = new OutputCollector(this.limits.maxOutputBytes);
    let stderrTail = '';
    child.stdout!.on('data', (d: Buffer) => output.add(undefined, 'stdout', d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
      output.add(undefined, 'stderr', d.toString());
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(
      JSON.stringify({
        executor: this.kind,
        concurrency: k,
        seeds: req.seeds,
        dedupe: req.dedupe,
        maxItems: req.maxItems,
        deadlineMs: req.deadlineMs,
        callTimeoutMs: Number.isFinite(this.limits.callTimeoutMs) ? this.limits.callTimeoutMs : 1e12,
        load: queueLoadConfig(this.target, this.limits),
      }),
    );
    return new Promise<CrawlResult>((resolve, reject) => {
      let message: { t: string; error?: ErrorInfo } | undefined;
      const decoder = new StringDecoder('utf8');
      let pending = '';
      (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
        pending += decoder.write(chunk);
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim()) message = JSON.parse(line) as typeof message;
        }
      });
      const onAbort = () => pid && killGroup(pid);
      req.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => reject(Errors.functionFailed(this.target.functionName, { kind: 'crash', message: `could not start Python: ${e.message}`, count: 1 })));
      const resultsClosed = new Promise<void>((r) => (child.stdio[3] as Readable).once('close', () => r()));
      child.once('exit', (code, sig) => {
        if (pid) killGroup(pid); // pool processes (and a forkserver) the harness left behind
        let wait: NodeJS.Timeout | undefined;
        void Promise.race([resultsClosed, new Promise<void>((r) => (wait = setTimeout(r, 500)))]).then(() => {
          clearTimeout(wait);
          finish(code, sig);
        });
      });
      const finish = (code: number | null, sig: NodeJS.Signals | null) => {
        req.signal.removeEventListener('abort', onAbort);
        forgetAtExit?.();
        if (pid) this.pids.delete(pid);
        if (req.signal.aborted) return reject(Errors.cancelled());
        if (message?.t === 'loadError') return reject(Errors.functionFailed(this.target.functionName, { ...message.error!, count: 1 }));
        if (message?.t !== 'result') {
          const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
          const last = stderrTail.trim().split('\n').slice(-1)[0] ?? '';
          return reject(Errors.functionFailed(this.target.functionName, { kind: sig ? 'crash' : 'exit', message: `the Python queue harness ${how} before the crawl ended${last ? `: ${last}` : ''}`, count: 1 }));
        }
        const r = message as unknown as CrawlResult;
        for (const it of r.items) if (it.cpuMs === null) it.cpuMs = NaN;
        const out = output.result();
        if (out) r.output = out;
        resolve(r);
      };
    });
  }

  async dispose(): Promise<void> {
    for (const pid of this.pids) killGroup(pid);
    this.pids.clear();
  }
}
