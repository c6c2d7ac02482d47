// Child-process runtime for queue mode's process executor: one item per IPC message, the
// items it found go back in the reply. Started detached (its own process group) so that
// killing the group also ends anything the user's code spawned.
import type { CapturedOutput } from '../shared/outputCapture';
import type { UserFunction } from './lib/targetHost';
import { childHost, loadInChild } from './lib/hostSetup';
import { callItem } from './lib/queue/callItem';
import type { QueueChildMessage, QueueChildRequest } from '../shared/queue/queueChildProtocol';

const { send, clock } = childHost<QueueChildMessage>();
let fn: UserFunction | undefined;
let takeOutput: () => CapturedOutput | undefined = () => undefined;

process.on('message', (req: QueueChildRequest) => {
  if (req.type === 'init') {
    void loadInChild(req.init, clock, send, (f, capture) => {
      fn = f;
      takeOutput = () => capture.take();
    });
  } else void call(req.id, req.item);
});

async function call(id: number, item: unknown): Promise<void> {
  // The engine kills the group on timeout; no timer here.
  const result = await callItem(fn!, item, Infinity, clock);
  const output = takeOutput();
  send({ type: 'result', id, result: output ? { ...result, output } : result });
}
