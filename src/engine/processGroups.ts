// Ending the processes the engine starts, whatever happens to the engine. The children
// that run user code (pools, queue children, distributed workers) are started detached,
// each leading its own process group, so one kill of the group also ends whatever the
// user's code spawned; and every one of them is ended from a process-exit hook, so that
// even a process.exit() of the host leaves nothing running.

/** SIGKILL to the group `pid` leads (grandchildren included), or to `pid` alone if it leads none. */
export function killGroup(pid: number): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

const atExit = new Set<() => void>();
let exitHookInstalled = false;

/** Runs `kill` when the host process exits, until the returned function is called. */
export function killAtExit(kill: () => void): () => void {
  atExit.add(kill);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const k of atExit) k();
    });
  }
  return () => atExit.delete(kill);
}

/** Kills the group `pid` leads when the host exits; call the returned function once the group is gone. */
export function killGroupAtExit(pid: number): () => void {
  return killAtExit(() => killGroup(pid));
}
