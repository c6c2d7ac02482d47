// Builds one PointSamples from task outcomes, whichever executor produced them.
// `errors` covers every failure of the point, warm-up included (a timeout or crash in
// the warm-up is still something the user must see); the taskOk flags cover only
// counted tasks, so rates come from those.
import type { ColdStart, CpuSource, ErrorSample, ExecutorKind } from '../../shared/report';
import type { PointRequest, PointSamples } from '../executorTypes';
import { clampConcurrency } from '../../shared/closedLoop';
import { throwIfAborted } from './abort';
import type { TaskOutcome } from '../../shared/closedLoop';
import { ErrorTally, type ErrorInfo } from '../../shared/errorInfo';
import { OutputCollector, type CapturedOutput } from '../../shared/outputCapture';

export class PointCollector {
  readonly taskStartMs: number[] = [];
  readonly taskEndMs: number[] = [];
  readonly taskCpuMs: number[] = [];
  readonly taskOk: boolean[] = [];
  readonly taskRunQueueMs: number[] = [];
  readonly tally = new ErrorTally();
  readonly output: OutputCollector;
  abandoned = 0;
  cpuSource: CpuSource = 'unavailable';
  eventLoopUtilization?: number;
  note?: string;
  coldStart?: ColdStart;
  /** Results sent back: serialization time and bytes summed over `wireSamples` tasks. */
  private wireMs = 0;
  private wireBytes = 0;
  private wireSamples = 0;
  private firstCountedStart = Infinity;
  private countedFailed = 0;
  private lastEnd = -Infinity;

  constructor(
    readonly executor: ExecutorKind,
    readonly concurrency: number,
    maxOutputBytes: number,
  ) {
    this.output = new OutputCollector(maxOutputBytes);
  }

  /** Adds one task; only counted ones become samples, every failure is tallied. */
  add(o: TaskOutcome, counted: boolean, output?: CapturedOutput): void {
    if (o.error) this.tally.add(o.error);
    if (output) this.output.add(output);
    if (!counted) return;
    this.addSample(o.startMs, o.endMs, o.cpuMs, o.ok);
  }

  addSample(startMs: number, endMs: number, cpuMs: number, ok: boolean, runQueueMs = NaN): void {
    this.taskRunQueueMs.push(runQueueMs);
    this.taskStartMs.push(startMs);
    this.taskEndMs.push(endMs);
    this.taskCpuMs.push(cpuMs);
    this.taskOk.push(ok);
    if (!ok) this.countedFailed++;
    if (startMs < this.firstCountedStart) this.firstCountedStart = startMs;
    if (endMs > this.lastEnd) this.lastEnd = endMs;
  }

  /** One result sent back to the caller: what encoding and decoding it cost. */
  addWire(ms: number, bytes: number): void {
    this.wireMs += ms;
    this.wireBytes += bytes;
    this.wireSamples++;
  }

  addErrors(samples: ErrorSample[]): void {
    for (const s of samples) this.tally.add({ kind: s.kind, message: s.message, stack: s.stack }, s.count);
  }

  addError(e: ErrorInfo): void {
    this.tally.add(e);
  }

  get failures(): number {
    return this.tally.total;
  }

  /** Failed tasks past the warm-up: what PointRequest.maxErrors limits. */
  get countedFailures(): number {
    return this.countedFailed;
  }

  /**
   * `serializationSeen`: what this executor's earlier points measured sending a result
   * back. Results are timed on a sample of calls, so a short point may have none of its
   * own; the cost is the function's, not the point's, and the run still shows it.
   */
  result(originMs: number, warmupMs: number, nowMs: number, serializationSeen?: PointSamples['serialization']): PointSamples {
    const startMs = Number.isFinite(this.firstCountedStart) ? this.firstCountedStart : originMs + warmupMs;
    const endMs = Number.isFinite(this.lastEnd) ? Math.max(this.lastEnd, startMs) : Math.max(nowMs, startMs);
    const s: PointSamples = {
      executor: this.executor,
      concurrency: this.concurrency,
      startMs,
      endMs,
      taskStartMs: this.taskStartMs,
      taskEndMs: this.taskEndMs,
      taskCpuMs: this.taskCpuMs,
      taskOk: this.taskOk,
      cpuSource: this.cpuSource,
      errors: this.tally.samples(),
      abandoned: this.abandoned,
    };
    if (this.taskRunQueueMs.some((x) => Number.isFinite(x))) s.taskRunQueueMs = this.taskRunQueueMs;
    if (this.eventLoopUtilization !== undefined) s.eventLoopUtilization = this.eventLoopUtilization;
    if (this.note) s.note = this.note;
    if (this.coldStart) s.coldStart = this.coldStart;
    if (this.wireSamples > 0) s.serialization = { msPerTask: this.wireMs / this.wireSamples, bytesPerTask: this.wireBytes / this.wireSamples };
    else if (serializationSeen) s.serialization = serializationSeen;
    const out = this.output.result();
    if (out) s.output = out;
    return s;
  }
}

/**
 * How every JS executor's point opens: a disposed executor or a cancelled request is
 * refused, K is clamped to what the executor runs, and the point gets its collector.
 */
export function openPoint(
  executor: ExecutorKind,
  req: PointRequest,
  ex: { disposed: boolean; maxConcurrency: number; maxOutputBytes: number },
): { k: number; collector: PointCollector } {
  if (ex.disposed) throw new Error(`${executor} executor used after dispose()`);
  throwIfAborted(req.signal);
  const k = executor === 'sequential' ? 1 : clampConcurrency(req.concurrency, ex.maxConcurrency);
  return { k, collector: new PointCollector(executor, k, ex.maxOutputBytes) };
}
