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

/**
 * One exit hook per process, shared by every copy of this module: each bundle (the CLI,
 * the engine host, each test file) carries its own copy, and a hook per copy had added
 * eleven `exit` listeners to one test process.
 */
const AT_EXIT = Symbol.for('workload-profiler.killAtExit');

function atExit(): Set<() => void> {
  const g = globalThis as { [AT_EXIT]?: Set<() => void> };
  let kills = g[AT_EXIT];
  if (!kills) {
    const created = (kills = g[AT_EXIT] = new Set());
    process.once('exit', () => {
      for (const k of created) k();
    });
  }
  return kills;
}

/** Runs `kill` when the host process exits, until the returned function is called. */
export function killAtExit(kill: () => void): () => void {
  const kills = atExit();
  kills.add(kill);
  return () => kills.delete(kill);
}

/** Kills the group `pid` leads when the host exits; call the returned function once the group is gone. */
export function killGroupAtExit(pid: number): () => void {
  return killAtExit(() => killGroup(pid));
}
