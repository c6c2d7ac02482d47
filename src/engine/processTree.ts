// Finds every process a worker, child or Python harness started, even one that left
// its process group (setsid(), `detached: true`, a double fork), so that it can be
// killed when that worker's job is over.
//
// Killing a process group misses a process that started a session of its own, and once
// its parent dies it is reparented to init, so a walk from our pid misses it too. Two
// things find it on Linux, both from /proc:
// - the parent chain (PPid in /proc/<pid>/stat): every SCAN_MS while the tracked
//   process runs, each process new in /proc whose parent is the root or a descendant
//   seen so far is remembered (with its start time), so it is still known after it
//   was reparented;
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

/** How often /proc is checked for newcomers while a tree is tracked. */
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

/**
 * What the scanner knows of each process, read once when the pid first shows up in
 * /proc (a pid is one process for as long as it stays listed). Reading every process's
 * stat on each pass would cost tens of ms on a loaded machine, blocking the caller's
 * event loop (the extension host's); reading only newcomers costs a few reads a pass.
 * Processes already there when the scanner started are listed but never read: they
 * predate every tree, so none of them can carry a tag or descend from a tracked root
 * (the roots themselves are read by pid).
 */
interface Entry {
  ppid: number;
  start: number;
  /** Tree tags in its environment, once read. */
  tags?: Set<string>;
  /** Reads of its environment that gave nothing (see tagsOf). */
  emptyReads?: number;
}
const known = new Map<number, Entry | 'old'>();
/**
 * Newcomers whose environment read empty: a process caught in execve() between its new
 * memory map and its new environment reads as empty, and on a loaded machine that window
 * is long enough for a pass to land in it (a double-forked daemon exec'ing `sleep` was
 * missed that way). They are offered to the trees again on later passes, up to
 * TAG_RETRIES reads, before their environment counts as empty.
 */
const unsure = new Map<number, Entry>();
const TAG_RETRIES = 8;

function tagsOf(pid: number, e: Entry): Set<string> {
  if (e.tags) return e.tags;
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    /* another user's process, or gone, or mid-exec: treated as empty below */
  }
  const tags = new Set<string>();
  for (const entry of text.split('\0')) {
    if (entry.startsWith(TAG_PREFIX)) tags.add(entry.slice(0, entry.indexOf('=')));
  }
  if (text.length > 0 || (e.emptyReads = (e.emptyReads ?? 0) + 1) >= TAG_RETRIES) {
    e.tags = tags;
    unsure.delete(pid);
  } else unsure.set(pid, e);
  return tags;
}

function listPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}

/** Every process below `root` right now, by its parent chain (one fresh read of /proc, no cache). */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of listPids()) {
    const s = readStat(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** One pass: newcomers are read, the departed forgotten; returns the newcomers, and the earlier ones whose environment read empty (unsure). */
function refresh(): Map<number, Entry> {
  const fresh = new Map<number, Entry>();
  const listed = listPids();
  const present = new Set(listed);
  for (const pid of known.keys()) if (!present.has(pid)) known.delete(pid);
  for (const pid of listed) {
    if (known.has(pid)) continue;
    const s = readStat(pid);
    if (!s) continue;
    const e: Entry = { ppid: s.ppid, start: s.start };
    known.set(pid, e);
    fresh.set(pid, e);
  }
  for (const [pid, e] of unsure) {
    if (known.get(pid) !== e) unsure.delete(pid);
    else fresh.set(pid, e);
  }
  return fresh;
}

/**
 * The root may have forked before watch() took its snapshot (a shell that starts a
 * daemon at once beat it on a fast machine): pids above the root's, and low ones when
 * the pid counter may have wrapped since, are read again rather than taken as old.
 */
function forgetOldAfter(root: number): void {
  const nearWrap = root > PID_WRAP_GUARD_AT;
  for (const [pid, e] of known) {
    if (e === 'old' && (pid > root || (nearWrap && pid < PID_WRAP_LOW))) known.delete(pid);
  }
}
/** Linux's default pid_max is 32768 (4194304 on some systems): a root this high may see children wrap to low pids. */
const PID_WRAP_GUARD_AT = 32_768 - 4096;
const PID_WRAP_LOW = 4096;

const active = new Set<ProcessTree>();
let timer: NodeJS.Timeout | undefined;

function scanAll(): void {
  if (!active.size) return;
  const fresh = refresh();
  for (const tree of active) tree.absorb(fresh);
}

function register(tree: ProcessTree): void {
  if (!active.size) {
    // A cache from an earlier run may hold pids reused since: start over.
    known.clear();
    unsure.clear();
    for (const pid of listPids()) known.set(pid, 'old');
  }
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
    forgetOldAfter(pid);
    return this;
  }

  /** Adds the newcomers of one pass that descend from anything known, or carry the tag. */
  absorb(fresh: Map<number, Entry>): void {
    const ours = (pid: number) => this.roots.has(pid) || this.seen.has(pid);
    // A newcomer's parent may be another newcomer: repeat until nothing changes.
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, e] of fresh) {
        if (ours(pid) || pid === process.pid) continue;
        if (ours(e.ppid) || tagsOf(pid, e).has(this.tag)) {
          this.seen.set(pid, e.start);
          grew = true;
        }
      }
    }
  }

  /** Walks /proc now (every tree learns the newcomers). */
  sample(): void {
    scanAll();
  }

  /**
   * SIGKILLs every descendant seen (roots excluded: their owner ends them), after one
   * last pass; twice, for anything forked while the first round was under way. Stops
   * tracking. Returns how many processes it killed.
   */
  killAll(): number {
    let killed = 0;
    for (let round = 0; round < 2; round++) {
      if (active.has(this)) scanAll();
      for (const [pid, start] of this.seen) {
        const s = readStat(pid);
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
