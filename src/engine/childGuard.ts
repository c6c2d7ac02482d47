// The two watches every child process that runs user code gets, in one hook for the
// code that spawns it (processPool.ts, harnessSession.ts): its descendants, wherever
// they went (processTree.ts), killed when it exits; and its resident memory, capped
// once the user's module is loaded at what it held then plus the memory limit plus
// the runtime's margin (rssWatch.ts). Measuring from the loaded module keeps a heavy
// import (a native addon, numpy, torch) from eating the allowance the calls get; the
// import itself is under the heap cap (JS) or RLIMIT_AS (Python).
import type { ChildProcess } from 'node:child_process';
import { ProcessTree } from './processTree';
import { childRssCapMb, rssMb, rssMessage, RssWatch } from './rssWatch';

export class ChildGuard {
  readonly tree = new ProcessTree();
  private rss: RssWatch | undefined;
  private attached = false;
  /** "out of memory: RSS reached N MB (cap M MB)" once the cap stopped the child. */
  overMemory: string | undefined;

  /** The environment to spawn the child with (`base` plus the tree's tag). */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return this.tree.env(base);
  }

  /**
   * Starts both watches on a spawned child: the tree at once, the RSS cap once `loaded`
   * resolves (not at all if it rejects: the child is being ended). Past the cap, `stop`
   * is called (it should kill the child) with `overMemory` set; when the child exits,
   * every descendant seen is killed. Returns `loaded`. Call it once, synchronously
   * after the spawn.
   */
  attach<T>(child: ChildProcess, memoryLimitMb: number, stop: () => void, loaded: Promise<T>): Promise<T> {
    const pid = child.pid;
    if (pid === undefined || this.attached) return loaded;
    this.attached = true;
    this.tree.watch(pid);
    let ended = false;
    loaded.then(
      () => {
        const base = rssMb(pid);
        if (ended || base === undefined) return;
        this.rss = new RssWatch(pid, base + childRssCapMb(memoryLimitMb), (mb, cap) => {
          this.overMemory = rssMessage(mb, cap);
          stop();
        });
      },
      () => undefined,
    );
    const end = () => {
      ended = true;
      this.rss?.stop();
      this.tree.killAll();
    };
    if (child.exitCode !== null || child.signalCode !== null) end();
    else child.once('exit', end);
    return loaded;
  }
}
