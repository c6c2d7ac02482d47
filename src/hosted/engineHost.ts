// The engine process: runs one profile() for the CLI or the extension host, which fork
// it (src/engine/engineProcess.ts). Worker threads that run user code live here, not in
// the caller, so a native crash, an abort or memory blow-up in one of them ends this
// process only; and it leads its own process group, so whatever user code spawned
// from a thread is killed with the group when the profile ends.
import { profile } from '../engine/profile';
import type { EngineReply, EngineRequest } from '../engine/engineProcess';

const controller = new AbortController();
let started = false;

function send(m: EngineReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, undefined, {}, () => resolve());
  });
}

/** Ends this process and everything left in its group (grandchildren user code spawned from threads). */
function endGroup(code: number): never {
  try {
    if (process.platform !== 'win32') process.kill(-process.pid, 'SIGKILL');
  } catch {
    /* not a group leader, or nothing else left */
  }
  process.exit(code);
}

// The caller went away (even by SIGKILL): stop the profile, clean up, and leave.
process.on('disconnect', () => {
  controller.abort();
  if (!started) endGroup(1);
  setTimeout(() => endGroup(1), 5000).unref();
});

// Terminal signals go to the caller, which cancels through IPC; a Ctrl-C reaching this
// process directly (same terminal group on some platforms) must not kill it mid-clean-up.
process.on('SIGINT', () => controller.abort());

process.on('message', (m: EngineRequest) => {
  if (m.type === 'cancel') {
    controller.abort();
    return;
  }
  if (m.type !== 'profile' || started) return;
  started = true;
  void run(m.options);
});

async function run(options: Extract<EngineRequest, { type: 'profile' }>['options']): Promise<void> {
  let reply: EngineReply;
  try {
    const report = await profile(options, {
      signal: controller.signal,
      onProgress: (event) => void send({ type: 'progress', event }),
    });
    reply = { type: 'report', report };
  } catch (e) {
    const err = e as Error & { code?: string; userError?: unknown };
    reply =
      err?.name === 'ProfileError'
        ? { type: 'error', code: err.code as never, message: err.message, userError: err.userError as never }
        : { type: 'error', code: 'internal', message: err?.message ?? String(e), stack: err?.stack };
  }
  await send(reply);
  // Everything profile() started is disposed by now; nothing should be left to wait for.
  if (process.connected) process.disconnect();
  endGroup(0);
}
