// Child-process runtime for queue mode's process executor: one item per IPC message, the
// items it found go back in the reply. Started detached (its own process group) so that
// killing the group also ends anything the user's code spawned.
import { processCpuClock } from './lib/cpuClock';
import { toErrorInfo } from '../shared/errorInfo';
import { installOutputCapture, type OutputCapture } from '../shared/outputCapture';
import { loadTargetFunction, type HostInit, type UserFunction } from './lib/targetHost';
import { lowerThisThreadPriority } from './lib/userPriority';
import { callItem } from './lib/queue/callItem';
import type { QueueChildMessage, QueueChildRequest } from '../shared/queue/queueChildProtocol';

const send = (m: QueueChildMessage) => process.send?.(m);
lowerThisThreadPriority();
const clock = processCpuClock();
let fn: UserFunction | undefined;
let capture: OutputCapture | undefined;

// The engine went away (even by SIGKILL): take the whole group down with us.
process.on('disconnect', () => {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(1);
  }
});

process.on('message', (req: QueueChildRequest) => {
  if (req.type === 'init') void start(req.init);
  else void call(req.id, req.item);
});

async function start(init: HostInit): Promise<void> {
  capture = installOutputCapture(init.maxOutputBytes);
  try {
    fn = await loadTargetFunction(init.bundlePath, init.functionName);
  } catch (e) {
    send({ type: 'loadError', error: toErrorInfo(e) });
    return;
  }
  send({ type: 'ready', cpuSource: clock.source });
}

async function call(id: number, item: unknown): Promise<void> {
  // The engine kills the group on timeout; no timer here.
  const result = await callItem(fn!, item, Infinity, clock);
  const output = capture?.take();
  send({ type: 'result', id, result: output ? { ...result, output } : result });
}
