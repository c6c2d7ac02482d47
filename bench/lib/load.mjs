// Background load of the machine, separated from our own. On a shared 2-core box a
// figure means little unless we know whether someone else was using a core meanwhile,
// so every measurement is bracketed by two readings: all CPU time the kernel accounted
// (/proc/stat) minus the CPU time of this process tree (our threads, our children and
// their reaped children, from /proc/<pid>/stat), plus the hypervisor's steal time.
// A measurement that starts and ends processes (a profile's Python pools, killed as a
// group) also watches the tree while it runs (TreeWatch): a pool worker whose parent
// died first is reaped by init, its time never reaches one of ours, and two readings
// alone counted it as someone else's (a quiet machine read 0.6 cores BUSY).
import { readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';

/** A quarter of a core used elsewhere already bends a 2-core scaling curve (the engine uses the same rule). */
export const BUSY_OTHERS_CORES = 0.25;
export const BUSY_STEAL = 0.05;

const linux = process.platform === 'linux';

function machineJiffies() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  // guest time is already inside user/nice.
  const busy = user + nice + system + irq + softirq;
  return { busy, steal: steal ?? 0, total: busy + idle + (iowait ?? 0) + (steal ?? 0) };
}

/** Every live process: parent, own CPU (utime+stime), reaped children's (cutime+cstime), start time; by pid. */
function procStats() {
  const stats = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we listed
    }
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    stats.set(Number(name), { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]), start: f[19] });
  }
  return stats;
}

/** Whether pid's parent chain reaches a process `ours` accepts (this one, say). */
function reaches(pid, stats, ours) {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (ours(p)) return true;
    const s = stats.get(p);
    if (!s) return false;
    p = s.ppid;
  }
  return false;
}

/** utime+stime+cutime+cstime (jiffies) of every live process in our tree. */
function treeJiffies() {
  const stats = procStats();
  // Children reaped during a measurement move their time into the parent's cutime, so
  // summing live members at both ends counts every tick exactly once.
  let total = 0;
  for (const [pid, s] of stats) if (reaches(pid, stats, (p) => p === process.pid)) total += s.own + s.reaped;
  return total;
}

export function loadSnapshot() {
  if (!linux) return undefined;
  return { machine: machineJiffies(), ours: treeJiffies() };
}

/** Busy cores used by other processes between two snapshots, and the steal fraction. */
export function loadBetween(a, b) {
  if (!a || !b) return { othersCores: null, steal: null, busy: false, note: 'no /proc: load unknown' };
  const cores = os.cpus().length;
  const dTotal = b.machine.total - a.machine.total;
  if (!(dTotal > 0)) return { othersCores: 0, steal: 0, busy: false };
  const dOthers = Math.max(0, b.machine.busy - a.machine.busy - (b.ours - a.ours));
  const othersCores = round3((dOthers / dTotal) * cores);
  const steal = round3((b.machine.steal - a.machine.steal) / dTotal);
  return { othersCores, steal, busy: othersCores > BUSY_OTHERS_CORES || steal > BUSY_STEAL };
}

/** Runs fn and returns its result with the load other processes put on the machine meanwhile. */
export async function withLoad(fn) {
  if (!linux) return { value: await fn(), load: loadBetween(undefined, undefined) };
  const watch = new TreeWatch();
  const a = { machine: machineJiffies(), ours: 0 };
  try {
    const value = await fn();
    return { value, load: loadBetween(a, { machine: machineJiffies(), ours: watch.stop() }) };
  } finally {
    watch.stop();
  }
}

/** How often a TreeWatch reads the tree: a process that dies unseen between two reads is counted through its parent. */
const WATCH_MS = 250;

/**
 * The CPU our tree used while it ran, process by process: each member's own
 * utime+stime from its reading at the start (0 for one started since) to its last
 * reading, taken every WATCH_MS and at the end; plus what each member reaped meanwhile
 * (cutime+cstime), which is how the CPU of a child that lived between two reads
 * reaches us: the labelled suite's calls spawn `sleep` or a whole `node` per call, and
 * their CPU, never seen, had read as 0.4-0.65 cores of someone else's load on a quiet
 * machine. A child that was seen and then reaped by a member is in both sums: its
 * parent's reaped time grew by its whole life's CPU, so what was counted of it directly
 * (its last reading) comes off again, once the parent's reaped time is seen to have
 * grown by that much since. A child that outlived its parent was reaped by init, whose
 * reaped time is not ours, so nothing comes off for it.
 */
class TreeWatch {
  constructor() {
    /** `${pid}:${start}` → { first, last, parent, parentReaped } of a tree member: own and reaped jiffies, its parent's key and reaped jiffies when it was last seen. */
    this.members = new Map();
    this.started = true;
    this.read(true);
    this.timer = setInterval(() => this.read(false), WATCH_MS).unref();
  }

  read(initial) {
    const live = treeMembers(this.members);
    for (const [key, now] of live) {
      // What the parent had reaped when this member was last seen (see stop()).
      const parentReaped = live.get(now.parent)?.reaped;
      const m = this.members.get(key);
      if (m) Object.assign(m, { last: now, parent: now.parent, parentReaped });
      else this.members.set(key, { first: initial ? now : { own: 0, reaped: 0 }, last: now, parent: now.parent, parentReaped });
    }
    return live;
  }

  /** Stops watching; the jiffies the tree used since it started. */
  stop() {
    if (this.started) {
      clearInterval(this.timer);
      this.alive = this.read(false);
      this.started = false;
    }
    let total = 0;
    for (const [key, m] of this.members) {
      total += m.last.own - m.first.own + (m.last.reaped - m.first.reaped);
      if (this.alive.has(key)) continue;
      // Gone, and reaped by its parent, a member: the parent's reaped time grew by at
      // least what was counted of it since it was last seen, and holds all of it. A
      // parent that died first left it to init, and its reaped time never grew by it.
      const parent = this.members.get(m.parent);
      const known = m.last.own + m.last.reaped;
      if (parent && m.parentReaped !== undefined && parent.last.reaped - m.parentReaped >= known) total -= known;
    }
    return total;
  }
}

/**
 * utime+stime (`own`) and cutime+cstime (`reaped`) jiffies of every live process in our
 * tree, with its parent's key, keyed by pid and start time: those whose parent chain
 * reaches us or a known member, and known members themselves (a pool worker reparented
 * to init once its parent was killed is still ours).
 */
function treeMembers(known) {
  const stats = procStats();
  const keyOf = (pid) => `${pid}:${stats.get(pid)?.start}`;
  const out = new Map();
  for (const [pid, s] of stats) {
    if (reaches(pid, stats, (p) => p === process.pid || known.has(keyOf(p)))) out.set(keyOf(pid), { own: s.own, reaped: s.reaped, parent: keyOf(s.ppid) });
  }
  return out;
}

/** The machine while we do nothing: taken before each section. */
export async function idleLoad(ms) {
  const a = loadSnapshot();
  await new Promise((r) => setTimeout(r, ms));
  return loadBetween(a, loadSnapshot());
}

/** Worst load seen across a figure's repetitions (and the section's idle reading). */
export function worstLoad(loads) {
  const known = loads.filter((l) => l && l.othersCores != null);
  if (!known.length) return { othersCores: null, steal: null, busy: false, busyReps: 0 };
  return {
    othersCores: Math.max(...known.map((l) => l.othersCores)),
    steal: Math.max(...known.map((l) => l.steal)),
    busy: known.some((l) => l.busy),
    busyReadings: known.filter((l) => l.busy).length,
  };
}

const round3 = (x) => Math.round(x * 1000) / 1000;
