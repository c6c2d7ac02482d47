// Child-process runtime for the process executor: one call per IPC message. The
// engine starts it detached (its own process group) so that killing the group also
// ends anything the user's code spawned.
import { toErrorInfo } from '../shared/errorInfo';
import { processCpuClock } from './lib/cpuClock';
import { installOutputCapture } from '../shared/outputCapture';
import type { ChildMessage, ChildRequest } from '../shared/jsProtocol';
import { callTarget, loadTargetFunction, type HostInit, type UserFunction } from './lib/targetHost';
import { lowerThisThreadPriority } from './lib/userPriority';
import { warmUp } from './lib/warmup';

const send = (m: ChildMessage) => process.send?.(m);
lowerThisThreadPriority();
const clock = processCpuClock();
let init: HostInit | undefined;
let fn: UserFunction | undefined;

// If the engine goes away (even by SIGKILL), the IPC channel closes: take our whole
// group down so nothing the user started outlives the profile.
process.on('disconnect', () => {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(1);
  }
});

process.on('message', (req: ChildRequest) => {
  if (req.type === 'init') void start(req.init);
  else if (req.type === 'warm') void warmUp(fn!, init!.args, req.policy, init!.callTimeoutMs).then((warmup) => send({ type: 'warmed', id: req.id, warmup, output: takeOutput() }));
  else void call(req.id, req.index);
});

async function start(i: HostInit): Promise<void> {
  init = i;
  const capture = installOutputCapture(i.maxOutputBytes);
  takeOutput = () => capture.take();
  try {
    fn = await loadTargetFunction(i.bundlePath, i.functionName);
  } catch (e) {
    send({ type: 'loadError', error: toErrorInfo(e) });
    return;
  }
  send({ type: 'ready', cpuSource: clock.source });
}

let takeOutput: () => ReturnType<ReturnType<typeof installOutputCapture>['take']> = () => undefined;

/** Every WIRE_SAMPLE_EVERY-th result (and the first) is also encoded and decoded once here, to time it. */
const WIRE_SAMPLE_EVERY = 16;
let calls = 0;

async function call(id: number, index: number): Promise<void> {
  // The engine kills the whole group on timeout; no timer here.
  const keep = init!.returnResults ? { value: undefined as unknown } : undefined;
  const outcome = await callTarget(fn!, init!.args, index, Infinity, clock, keep);
  const msg: ChildMessage = { type: 'result', id, outcome, output: takeOutput() };
  if (keep && outcome.ok) {
    // IPC encodes the message as JSON, as a child-process pool's channel does; time that
    // on a sample so the report can say what sending results back costs.
    if (calls++ % WIRE_SAMPLE_EVERY === 0) {
      try {
        const t0 = performance.now();
        const text = JSON.stringify(keep.value) ?? '';
        if (text) JSON.parse(text);
        msg.wire = { ms: performance.now() - t0, bytes: Buffer.byteLength(text) };
      } catch (e) {
        msg.outcome = { ...outcome, ok: false, error: { kind: 'TypeError', message: `the result can't be sent back from a child process: ${toErrorInfo(e).message} (use --discard-results if the results are never used)` } };
        send(msg);
        return;
      }
    }
    msg.result = keep.value;
  }
  try {
    process.send!(msg);
  } catch (e) {
    // BigInt and other values JSON cannot carry: the user's pool would fail here too.
    send({ type: 'result', id, outcome: { ...outcome, ok: false, error: { kind: 'TypeError', message: `the result can't be sent back from a child process: ${toErrorInfo(e).message} (use --discard-results if the results are never used)` } }, output: msg.output });
  }
}
