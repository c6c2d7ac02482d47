// The soak run behind `npm run soak` (100 profiles) and its reduced form in the mocha
// suite (faultsSoak.test.ts): profiles back to back through the engine, as the CLI and
// the extension run them, mixing good functions with the fault table's bad ones. It
// records what a long-lived driver (an editor's extension host) would feel: its own
// RSS and open file descriptors, processes left running, and the saved-results store
// after every report was saved into it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { profileInEngineProcess } from '../../src/engine/engineProcess';
import { ProfileError } from '../../src/shared/errors';
import { HistoryStore } from '../../src/engine/historyStore';
import type { ProfileOptions } from '../../src/shared/options';
import { FAULTS_DIR, JS_FAULTS, processTable, ProcessWatch, PY_FAULTS, running } from './faultsSupport';

const JS_ESCAPES = path.join(FAULTS_DIR, 'escapes.js');
const PY_ESCAPES = path.join(FAULTS_DIR, 'escapes.py');
const POOLS: ProfileOptions['executors'] = ['thread', 'process'];

export interface SoakCase {
  name: string;
  options: (dir: string) => Omit<ProfileOptions, 'budgetMs'> & { budgetMs?: number };
  /** A report, or the profile fails with a clear error (ProfileError 'function-failed'). */
  expect: 'report' | 'error';
}

const js = (fn: string, args: (dir: string) => unknown[], over: Partial<ProfileOptions> = {}) => (dir: string) => ({
  file: JS_FAULTS,
  functionName: fn,
  args: args(dir),
  executors: POOLS,
  ...over,
});
const py = (fn: string, args: (dir: string) => unknown[], over: Partial<ProfileOptions> = {}) => (dir: string) => ({
  file: PY_FAULTS,
  functionName: fn,
  args: args(dir),
  executors: POOLS,
  memoryLimitMb: 256,
  ...over,
});

/** Ordered so that any prefix mixes good and bad, JS and Python. */
export const SOAK_CASES: SoakCase[] = [
  { name: 'JS good (cpuBurn)', options: js('cpuBurn', () => [3]), expect: 'report' },
  { name: 'JS SIGSEGV in a thread (engine restart)', options: js('segfaultsIn', () => ['thread', '$i'], { executors: undefined }), expect: 'report' },
  { name: 'Python good (cpu_burn)', options: py('cpu_burn', () => [3]), expect: 'report' },
  { name: 'JS throws on its first call', options: js('alwaysThrows', () => []), expect: 'error' },
  { name: 'JS Buffers past the RSS cap in a child', options: (d) => ({ ...js('hoardsBuffersIn', () => ['process', '$i'])(d), file: JS_ESCAPES, executors: ['process'], callTimeoutMs: 15_000 }), expect: 'report' },
  { name: 'Python daemons (setsid, double fork)', options: (d) => ({ ...py('daemonizes_in', (x) => [x, 'pools', '$i'])(d), file: PY_ESCAPES }), expect: 'report' },
  { name: 'JS throws 1 in 10', options: js('throwsOneInTen', () => ['$i']), expect: 'report' },
  { name: 'JS never returns in the pools', options: js('spinsIn', () => ['pools', '$i']), expect: 'report' },
  { name: 'Python SIGSEGV in a thread', options: py('segfaults_in', () => ['thread', '$i'], { executors: ['thread'] }), expect: 'report' },
  { name: 'JS daemons (setsid, detached)', options: (d) => ({ ...js('daemonizesIn', (x) => [x, 'any', '$i'])(d), file: JS_ESCAPES }), expect: 'report' },
  { name: 'JS process.exit in the pools', options: js('exitsIn', () => ['pools', '$i']), expect: 'report' },
  { name: 'Python raises on its first call', options: py('always_raises', () => []), expect: 'error' },
  { name: 'JS heap without bound in the pools', options: js('allocatesIn', () => ['pools', '$i']), expect: 'report' },
  { name: 'JS prints megabytes', options: js('printsMegabytes', () => []), expect: 'report' },
  { name: 'Python raises 1 in 10', options: py('raises_one_in_ten', () => ['$i']), expect: 'report' },
  { name: 'JS spawns children and timers', options: js('spawnsAndLeaves', (x) => [x, '$i']), expect: 'report' },
  { name: 'JS SIGSEGV in a child', options: js('segfaultsIn', () => ['process', '$i'], { executors: ['process'] }), expect: 'report' },
  { name: 'Python spawns children and timers', options: py('spawns_and_leaves', (x) => [x, '$i']), expect: 'report' },
  { name: 'JS throws in the pools', options: js('throwsIn', () => ['pools', '$i']), expect: 'report' },
];

export interface SoakFigures {
  profiles: number;
  reports: number;
  errors: number;
  /** Cases whose outcome was not the expected one, with what happened. */
  unexpected: string[];
  elapsedS: number;
  rssMb: { start: number; end: number; max: number };
  fds: { start: number; end: number; max: number };
  leftovers: string[];
  history: { saved: number; loaded: number; problems: number };
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function rssNowMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

/**
 * Runs `n` profiles of SOAK_CASES in turn (budget `budgetMs` each), saving every
 * report. The first `warmup` profiles load what any first profile loads (modules,
 * libuv's pool): figures start after them.
 */
export async function runSoak(n: number, budgetMs = 1000, log: (line: string) => void = () => undefined, warmup = 2): Promise<SoakFigures> {
  const root = mkdtempSync(path.join(tmpdir(), 'wp-soak-'));
  const store = new HistoryStore(path.join(root, 'history'), Math.max(1, n));
  const watch = new ProcessWatch().start(200);
  const daemonDirs: string[] = [];
  const figures: SoakFigures = {
    profiles: n,
    reports: 0,
    errors: 0,
    unexpected: [],
    elapsedS: 0,
    rssMb: { start: 0, end: 0, max: 0 },
    fds: { start: 0, end: 0, max: 0 },
    leftovers: [],
    history: { saved: 0, loaded: 0, problems: 0 },
  };
  const started = Date.now();
  try {
    for (let i = 0; i < n; i++) {
      if (i === Math.min(warmup, n - 1)) {
        figures.rssMb.start = figures.rssMb.max = rssNowMb();
        figures.fds.start = figures.fds.max = openFds();
      }
      const c = SOAK_CASES[i % SOAK_CASES.length];
      const dir = mkdtempSync(path.join(root, 'case-'));
      daemonDirs.push(dir);
      const options = { budgetMs, callTimeoutMs: 1000, memoryLimitMb: 128, maxConcurrency: { async: 2, thread: 2, process: 2 }, ...c.options(dir) };
      const t0 = Date.now();
      let outcome: string;
      try {
        const report = await profileInEngineProcess(options);
        await store.add(report);
        figures.reports++;
        figures.history.saved++;
        outcome = 'report';
        if (c.expect !== 'report') figures.unexpected.push(`${c.name}: a report`);
      } catch (e) {
        figures.errors++;
        outcome = 'error';
        const clear = e instanceof ProfileError && e.code === 'function-failed';
        if (c.expect !== 'error' || !clear) figures.unexpected.push(`${c.name}: ${(e as Error).message}`);
      }
      if (i >= warmup) {
        figures.rssMb.max = Math.max(figures.rssMb.max, rssNowMb());
        figures.fds.max = Math.max(figures.fds.max, openFds());
      }
      log(`${String(i + 1).padStart(3)}/${n} ${outcome.padEnd(6)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${c.name}`);
    }
    figures.elapsedS = (Date.now() - started) / 1000;
    figures.rssMb.end = rssNowMb();
    figures.fds.end = openFds();
    figures.rssMb.max = Math.max(figures.rssMb.max, figures.rssMb.end);
    figures.fds.max = Math.max(figures.fds.max, figures.fds.end);
    const loaded = await store.load();
    figures.history.loaded = loaded.reports.length;
    figures.history.problems = loaded.problems.length;
    // Killed processes take a moment to go; then anything still running is a leftover.
    watch.stop();
    figures.leftovers = await settledLeftovers(watch, daemonDirs);
  } finally {
    watch.stop();
    // Never leave anything behind, even after a failure.
    for (const pid of daemonPids(daemonDirs)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
  figures.rssMb = { start: round(figures.rssMb.start), end: round(figures.rssMb.end), max: round(figures.rssMb.max) };
  return figures;
}

function daemonPids(dirs: string[]): number[] {
  return dirs.flatMap((d) => readdirSync(d).map((f) => Number(readFileSync(path.join(d, f), 'utf8'))));
}

async function settledLeftovers(watch: ProcessWatch, dirs: string[]): Promise<string[]> {
  let left: string[] = [];
  for (let i = 0; i < 60; i++) {
    const recorded = new Set(daemonPids(dirs));
    const table = processTable();
    left = [...watch.leftovers().map((p) => `${p.pid} ${p.args}`), ...table.filter((p) => recorded.has(p.pid) && running(p)).map((p) => `${p.pid} ${p.args}`)];
    if (!left.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...new Set(left)];
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** The figures as the README prints them. */
export function formatSoak(f: SoakFigures): string {
  return [
    `${f.profiles} profiles in ${f.elapsedS.toFixed(0)} s: ${f.reports} reports, ${f.errors} clear errors, ${f.unexpected.length} unexpected outcomes`,
    `driver RSS (MB):  start ${f.rssMb.start}  end ${f.rssMb.end}  max ${f.rssMb.max}`,
    `open fds:         start ${f.fds.start}  end ${f.fds.end}  max ${f.fds.max}`,
    `leftover processes: ${f.leftovers.length}`,
    `saved results: ${f.history.saved} saved, ${f.history.loaded} read back, ${f.history.problems} problems`,
  ].join('\n');
}
