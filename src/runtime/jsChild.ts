// Child-process runtime for the process executor: one call per IPC message. The
// engine starts it detached (its own process group) so that killing the group also
// ends anything the user's code spawned.
import { toErrorInfo } from '../core/js/errorInfo';
import { processCpuClock } from '../core/js/cpuClock';
import { installOutputCapture } from '../core/js/outputCapture';
import type { ChildMessage, ChildRequest } from '../core/js/protocol';
import { callTarget, loadTargetFunction, type HostInit, type UserFunction } from '../core/js/targetHost';
import { lowerThisThreadPriority } from '../core/js/userPriority';

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

async function call(id: number, index: number): Promise<void> {
  // The engine kills the whole group on timeout; no timer here.
  const outcome = await callTarget(fn!, init!.args, index, Infinity, clock);
  send({ type: 'result', id, outcome, output: takeOutput() });
}
