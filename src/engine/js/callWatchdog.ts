// One timer for every call a pool has in flight, instead of a timer (and, for piscina,
// an AbortController) per call: on a 20 µs task those cost more than the task. The
// owner keeps each call's deadline where it already keeps the call (a lane, a child);
// the watchdog only makes sure a sweep runs at the earliest deadline still pending. A
// call that ends needs no bookkeeping here: the next sweep simply does not find it.
import { epochNow } from '../../shared/closedLoop';

/**
 * `sweep(nowMs)` ends every call whose deadline has passed and returns the earliest
 * deadline of the calls still running (Infinity when none).
 */
export class CallWatchdog {
  private timer?: NodeJS.Timeout;
  /** Deadline the armed timer fires at. */
  private armedAt = Infinity;
  private stopped = false;

  constructor(private readonly sweep: (nowMs: number) => number) {}

  /** A call with this deadline (epoch ms) has started. */
  watch(deadlineMs: number): void {
    // Deadlines of later calls are later, so an armed timer is nearly always early enough.
    if (deadlineMs >= this.armedAt || !Number.isFinite(deadlineMs) || this.stopped) return;
    clearTimeout(this.timer);
    this.arm(deadlineMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private arm(deadlineMs: number): void {
    this.armedAt = deadlineMs;
    // Timers run on the event loop's millisecond clock, which can read up to a
    // millisecond behind epochNow(): one extra millisecond keeps a timer from firing just
    // before its deadline over and over (the sweep still re-arms for what is left).
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(deadlineMs - epochNow())) + 1);
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    if (this.stopped) return;
    const next = this.sweep(epochNow());
    if (Number.isFinite(next) && !this.stopped) this.arm(next);
  }
}
