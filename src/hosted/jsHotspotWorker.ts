// Worker thread for a hot-spot pass on a fresh thread: loads the user's bundle, runs the
// pass (lib/hotspotPass.ts) and posts the raw profile to the engine, which maps it to
// the user's lines (src/engine/hotspots/hotspotsV8.ts). The engine uses it when the
// sequential executor's warm thread is gone. Nothing measured here is counted in the report.
import { parentPort, workerData } from 'node:worker_threads';
import { threadCpuClock } from './lib/cpuClock';
import { installOutputCapture } from '../shared/outputCapture';
import type { HostInit } from './lib/targetHost';
import { loadTargetOrReport } from './lib/hostSetup';
import { lowerThisThreadPriority } from './lib/userPriority';
import { runHotspotPass } from './lib/hotspotPass';
import type { HotspotWorkerInit, HotspotWorkerMessage } from '../shared/hotspotsProtocol';

const init = workerData as HostInit & HotspotWorkerInit;
lowerThisThreadPriority();
const port = parentPort!;
const post = (m: HotspotWorkerMessage) => port.postMessage(m);
// What the function prints during the pass is not the report's business; keep it off our stdout.
installOutputCapture(0);

async function main(): Promise<void> {
  const fn = await loadTargetOrReport(init, (error) => post({ type: 'failed', error }));
  if (!fn) return;
  const result = await runHotspotPass(fn, init.args, init.callTimeoutMs, init, threadCpuClock());
  post({ type: 'profile', ...result });
}

void main();
