// Child-process runtime for the process executor: one call per IPC message. The
// engine starts it detached (its own process group) so that killing the group also
// ends anything the user's code spawned.
import { deserialize, serialize } from 'node:v8';
import type { TaskOutcome } from '../shared/closedLoop';
import { toErrorInfo, type ErrorInfo } from '../shared/errorInfo';
import type { CapturedOutput } from '../shared/outputCapture';
import type { ChildCallReply, ChildMessage, ChildRequest, PoolCallExtra } from '../shared/jsProtocol';
import { callTarget, type HostInit, type UserFunction } from './lib/targetHost';
import { childHost, loadInChild, nextTurn } from './lib/hostSetup';
import { warmUp } from './lib/warmup';

const { send, clock } = childHost<ChildMessage>();
let init: HostInit | undefined;
let fn: UserFunction | undefined;

process.on('message', (req: ChildRequest) => {
  if (Array.isArray(req)) call(req[0], req[1]);
  else if (req.type === 'init') {
    init = req.init;
    void loadInChild(req.init, clock, send, (f, capture) => {
      fn = f;
      takeOutput = () => capture.take();
    });
  } else void warmUp(fn!, init!.args, req.policy, init!.callTimeoutMs, nextTurn).then((warmup) => send({ type: 'warmed', id: req.id, warmup, output: takeOutput() }));
});

let takeOutput: () => CapturedOutput | undefined = () => undefined;

/** Every WIRE_SAMPLE_EVERY-th result (and the first) is also encoded and decoded once here, to time it. */
const WIRE_SAMPLE_EVERY = 16;
let calls = 0;

function call(id: number, index: number): void {
  // The engine kills the whole group on timeout; no timer here.
  const keep = init!.returnResults ? { value: undefined as unknown } : undefined;
  const outcome = callTarget(fn!, init!.args, index, Infinity, clock, keep);
  // A plain value is replied to in the same tick; only a promise waits.
  if (outcome instanceof Promise) void outcome.then((o) => reply(id, o, keep));
  else reply(id, outcome, keep);
}

function reply(id: number, outcome: TaskOutcome, keep: { value: unknown } | undefined): void {
  const r: ChildCallReply = [id, outcome.startMs, outcome.endMs, outcome.cpuMs];
  const output = takeOutput();
  let extra: PoolCallExtra | undefined;
  if (outcome.error) extra = { error: outcome.error };
  if (output) (extra ??= {}).output = output;
  if (keep && outcome.ok) {
    // IPC encodes the message with the V8 serializer (the channel's 'advanced' mode);
    // time that on a sample so the report can say what sending results back costs.
    if (calls++ % WIRE_SAMPLE_EVERY === 0) {
      try {
        const t0 = performance.now();
        const buf = serialize(keep.value);
        deserialize(buf);
        (extra ??= {}).wire = { ms: performance.now() - t0, bytes: buf.byteLength };
      } catch (e) {
        send([id, outcome.startMs, outcome.endMs, outcome.cpuMs, null, { ...extra, error: unsendable(e) }]);
        return;
      }
    }
    r[4] = keep.value;
  }
  if (extra) r[5] = extra;
  try {
    process.send!(r);
  } catch (e) {
    // Functions, symbols and other values the serializer cannot carry: the user's pool would fail here too.
    send([id, outcome.startMs, outcome.endMs, outcome.cpuMs, null, { ...extra, error: unsendable(e) }]);
  }
}

function unsendable(e: unknown): ErrorInfo {
  return { kind: 'TypeError', message: `the result can't be sent back from a child process: ${toErrorInfo(e).message} (use --discard-results if the results are never used)` };
}
