// The two watches every child process that runs user code gets, in one hook for the
// code that spawns it (processPool.ts, harnessSession.ts): its descendants, wherever
// they went (processTree.ts), killed when it exits; and its resident memory, capped
// at the memory limit plus the runtime's margin (rssWatch.ts).
import type { ChildProcess } from 'node:child_process';
import { ProcessTree } from './processTree';
import { childRssCapMb, rssMessage, RssWatch } from './rssWatch';

export class ChildGuard {
  readonly tree = new ProcessTree();
  private rss: RssWatch | undefined;
  /** "out of memory: RSS reached N MB (cap M MB)" once the cap stopped the child. */
  overMemory: string | undefined;

  /** The environment to spawn the child with (`base` plus the tree's tag). */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return this.tree.env(base);
  }

  /**
   * Starts both watches on a spawned child. Past the cap, `stop` is called (it should
   * kill the child) with `overMemory` set; when the child exits, every descendant seen
   * is killed. Calling it again does nothing.
   */
  attach(child: ChildProcess, memoryLimitMb: number, stop: () => void): void {
    if (this.rss || child.pid === undefined) return;
    this.tree.watch(child.pid);
    this.rss = new RssWatch(child.pid, childRssCapMb(memoryLimitMb), (mb, cap) => {
      this.overMemory = rssMessage(mb, cap);
      stop();
    });
    const end = () => {
      this.rss?.stop();
      this.tree.killAll();
    };
    if (child.exitCode !== null || child.signalCode !== null) end();
    else child.once('exit', end);
  }
}
