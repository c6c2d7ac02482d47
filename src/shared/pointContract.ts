// The measurement point contract, defined once in python/point_contract.json and read
// by both runtimes: the Python harness loads the same file at start-up. What a point
// is asked to do (PointRequest) and what it hands back (PointSamples) are typed in
// executorTypes.ts; these are the numbers both sides must agree on, and
// test/engine/pointContract.test.ts holds every runtime and executor to them.
import contract from '../../python/point_contract.json';

/** Error messages and stacks are clipped to these lengths, with "..." at the end. */
export const MAX_MESSAGE_CHARS: number = contract.maxMessageChars;
export const MAX_STACK_CHARS: number = contract.maxStackChars;
/** Distinct (kind, message) pairs kept per point; the rest fold into one catch-all entry. */
export const MAX_DISTINCT_ERRORS: number = contract.maxDistinctErrors;
export const OTHER_ERRORS_MESSAGE: string = contract.otherErrorsMessage;
/** Steady means this many warm-up calls in a row within this tolerance of each other. */
export const WARMUP_STEADY_CALLS: number = contract.warmup.steadyCalls;
export const WARMUP_TOLERANCE: number = contract.warmup.tolerance;
export const WARMUP_MAX_CALLS: number = contract.warmup.maxCalls;
/** A function not steady in its first calls warms up for at least this many (WarmupPolicy.unsteadyMinCalls). */
export const WARMUP_UNSTEADY_MIN_CALLS: number = contract.warmup.unsteadyMinCalls;
/**
 * Warm-up calls for a slow call that mostly waits: its one-time setup only
 * (engine/budgetPlan.ts waitsPastCap). A worker that already made a call (the probe's)
 * has made it; the Python harness reads the same number.
 */
export const WARMUP_SETUP_ONLY_CALLS: number = contract.warmup.setupOnlyCalls;
/**
 * A window held open past its duration (PointRequest.windowUntilMs) stops launching once
 * it has this many counted calls: all the batches the throughput statistics use (20 of
 * 4 calls). A 5 µs call's pool had spent what its K = 1 point needed on 2,600 calls.
 */
export const FULL_WINDOW_CALLS: number = contract.fullWindowCalls;
/** A pool's serialization is timed on the first call and every this many after it (the rest run untimed). */
export const WIRE_SAMPLE_EVERY: number = contract.serializationSampleEvery;

export function clipText(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
