// Finds every process a worker, child or Python harness started, even one that left
// its process group (setsid(), `detached: true`, a double fork), so that it can be
// killed when that worker's job is over.
//
// Killing a process group misses a process that started a session of its own, and once
// its parent dies it is reparented to init, so a walk from our pid misses it too. Two
// things find it on Linux, both from /proc:
// - a walk by parent chain (PPid in /proc/<pid>/stat), taken every SCAN_MS while the
//   tracked process runs, from the root and from every descendant seen so far: each
//   descendant is remembered (with its start time) the moment it is seen, so it is
//   still known after it was reparented;
// - a tag in the environment: the root is started with WORKLOAD_PROFILER_TREE_<id>=1,
//   which its descendants inherit through fork and exec, so a process that was
//   double-forked and reparented between two walks is still recognised (unless the
//   user's code cleared its environment, then only the walk finds it).
// A pid is killed only while its start time still matches the one remembered, so a
// recycled pid is never hit. cgroups would be exact, but a profiler cannot count on
// being allowed to create one. Elsewhere than Linux there is no /proc: the tracker
// finds nothing and process-group kills are all there is.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** How often running trees are walked. A /proc scan costs ~2 ms per 100 processes. */
const SCAN_MS = 250;
const TAG_PREFIX = 'WORKLOAD_PROFILER_TREE_';

export interface ProcStat {
  ppid: number;
  /** Start time in clock ticks since boot: with the pid, it names one process for good. */
  start: number;
  state: string;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields are counted from the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  const ppid = Number(f[1]);
  const start = Number(f[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(start)) return undefined;
  return { state: f[0], ppid, start };
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** Every process the kernel lists, by pid. Empty where there is no /proc. */
export function processTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const pid = Number(name);
    const s = readStat(pid);
    if (s) table.set(pid, s);
  }
  return table;
}

/** The tree tags in a process's environment, read once per process (pid + start time). */
const tagCache = new Map<string, Set<string>>();

function tagsOf(pid: number, start: number): Set<string> {
  const key = `${pid}:${start}`;
  let tags = tagCache.get(key);
  if (!tags) {
    tags = new Set();
    try {
      for (const entry of readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')) {
        if (entry.startsWith(TAG_PREFIX)) tags.add(entry.slice(0, entry.indexOf('=')));
      }
    } catch {
      /* another user's process, or gone: no tags */
    }
    tagCache.set(key, tags);
  }
  return tags;
}

const active = new Set<ProcessTree>();
let timer: NodeJS.Timeout | undefined;

function scanAll(): void {
  if (!active.size) return;
  const table = processTable();
  for (const tree of active) tree.absorb(table);
  // Forget the environments of processes that are gone.
  for (const key of tagCache.keys()) {
    const [pid, start] = key.split(':').map(Number);
    if (table.get(pid)?.start !== start) tagCache.delete(key);
  }
}

function register(tree: ProcessTree): void {
  active.add(tree);
  // unref: a tracker must never keep the engine, the CLI or a test runner alive.
  timer ??= setInterval(scanAll, SCAN_MS).unref();
}

function unregister(tree: ProcessTree): void {
  active.delete(tree);
  if (!active.size && timer) {
    clearInterval(timer);
    timer = undefined;
  }
}

/**
 * The descendants of one process. Start it with `env()` in its environment, call
 * `watch(pid)` once it is spawned, and `killAll()` when its job is over (completion,
 * timeout, cancel): that kills every descendant seen, wherever it went.
 */
export class ProcessTree {
  readonly tag = TAG_PREFIX + randomBytes(6).toString('hex');
  private readonly roots = new Map<number, number>();
  /** Descendants seen so far: pid → start time. */
  readonly seen = new Map<number, number>();
  private done = false;

  /** The environment to start the root with: `base` plus this tree's tag. */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return { ...base, [this.tag]: '1' };
  }

  /** Starts tracking the descendants of `pid` (the process started with `env()`). */
  watch(pid: number | undefined): this {
    if (pid === undefined || this.done) return this;
    const s = readStat(pid);
    if (s) this.roots.set(pid, s.start);
    register(this);
    return this;
  }

  /** Adds what one /proc snapshot shows: children of anything known, and anything with the tag. */
  absorb(table: Map<number, ProcStat>): void {
    const known = (pid: number) => {
      const s = table.get(pid);
      return s !== undefined && (this.roots.get(pid) === s.start || this.seen.get(pid) === s.start);
    };
    const children = new Map<number, number[]>();
    for (const [pid, s] of table) {
      const list = children.get(s.ppid);
      if (list) list.push(pid);
      else children.set(s.ppid, [pid]);
    }
    const frontier = [...table.keys()].filter(known);
    while (frontier.length) {
      for (const child of children.get(frontier.pop()!) ?? []) {
        if (known(child)) continue;
        this.seen.set(child, table.get(child)!.start);
        frontier.push(child);
      }
    }
    for (const [pid, s] of table) {
      if (pid === process.pid || known(pid) || s.state === 'Z') continue;
      if (tagsOf(pid, s.start).has(this.tag)) {
        this.seen.set(pid, s.start);
        // Its own descendants may predate this sighting.
        this.absorb(table);
        return;
      }
    }
  }

  /** Walks /proc now. */
  sample(): void {
    this.absorb(processTable());
  }

  /**
   * SIGKILLs every descendant seen (roots excluded: their owner ends them), after one
   * last walk; twice, for anything forked while the first round was under way. Stops
   * tracking. Returns how many processes it killed.
   */
  killAll(): number {
    let killed = 0;
    for (let round = 0; round < 2; round++) {
      const table = processTable();
      this.absorb(table);
      for (const [pid, start] of this.seen) {
        const s = table.get(pid);
        if (!s || s.start !== start) {
          this.seen.delete(pid);
          continue;
        }
        if (s.state === 'Z') continue;
        try {
          process.kill(pid, 'SIGKILL');
          killed++;
        } catch {
          /* already gone */
        }
      }
    }
    this.stop();
    return killed;
  }

  /** Stops tracking without killing anything. */
  stop(): void {
    this.done = true;
    unregister(this);
  }
}
