// Checks the labelled suite's labels (bench/labels.mjs) against bare pools, with no
// profiler involved: each function runs back to back (sequential), K calls in flight on
// one event loop / asyncio loop (async), on a warmed piscina or ThreadPoolExecutor
// (thread) and on a warmed fork pool or ProcessPoolExecutor (process), at K = cores and,
// for waits, at a higher K. From these numbers alone it derives the physics verdict and
// prints whether each label agrees (rules: lib/labelPhysics.mjs). The kind uses the
// process's CPU ÷ the wall of sequential calls, less the time the thread doing the work
// sat runnable waiting for a core (Linux schedstat), so another process's load does not turn
// CPU work into "waiting"; the speedups, though, still need a quiet machine.
//
//   node bench/checkLabels.mjs [--quick] [--only fnA,fnB] [--window-ms 1000] [--json out.json]
// Run it on a quiet machine (`nice` it on a shared one): it saturates every core.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { LABELS } from './labels.mjs';
import { argsFor, forkReal, importableUrl, inlineReal, piscinaReal, throughput } from './lib/bareReal.mjs';
import { barePythonRealFull } from './lib/barePythonReal.mjs';
import { judge } from './lib/labelPhysics.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cores = os.cpus().length;
const HIGH_K = 16;

function parseArgs(argv) {
  const o = { quick: false, only: [], windowMs: 1000, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--window-ms') o.windowMs = Number(argv[++i]);
    else if (a === '--json') o.json = argv[++i];
    else throw new Error(`unknown option ${a}: use --quick, --only fnA,fnB, --window-ms N, --json FILE`);
  }
  return o;
}

/**
 * CPU ms of the children this process has waited for (/proc/self/stat cutime + cstime;
 * 0 elsewhere): a call that runs a child (execFile) spends its CPU there, and that is the
 * call's CPU too.
 */
function childrenCpuMs() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After the command's closing parenthesis, cutime and cstime are the 14th and 15th fields.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** Linux's USER_HZ, the unit of /proc's CPU times: 100 on every common build. */
const CLOCK_TICKS = 100;

/** ms each thread of this process has waited, runnable, for a core, by thread id (empty without schedstat). */
function runQueueByThread() {
  const out = new Map();
  if (!existsSync('/proc/self/task')) return out;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e6);
    } catch {
      // the thread exited while we listed
    }
  }
  return out;
}

/**
 * The longest any one thread waited for a core between two readings. Sequential calls
 * run on one thread at a time (the calling thread, or a libuv thread for offloaded
 * work), so that thread's wait is most of what stretched the wall. A sum would be worse:
 * on a loaded machine idle helper threads (GC, the libuv pool) wait side by side and
 * their waits add up past the wall. For offloaded work the hand-offs between threads
 * still wait uncounted, so its ratio needs a quiet machine.
 */
function maxRunQueueMs(before, after) {
  let max = 0;
  for (const [tid, ms] of after) max = Math.max(max, ms - (before.get(tid) ?? 0));
  return max;
}

/** Speedups of every bare configuration, plus the sequential call's physics. */
async function measureJs(l, windowMs) {
  const file = join(root, l.file);
  const target = { url: await importableUrl(file), fn: l.fn, args: l.args ?? [] };
  const plan = { durationMs: windowMs, warmupMs: 0 };
  const mod = await import(target.url);
  // One call tells whether it returns a promise (only then can calls overlap on one loop).
  const fn = mod[l.fn] ?? mod.default?.[l.fn];
  if (typeof fn !== 'function') throw new Error(`${l.fn} is not a function in ${target.url}`);
  const first = fn(...argsFor(target.args, -100));
  const isAsync = first instanceof Promise;
  await first;
  // Sequential, with the process's CPU (libuv threads and waited-for children included) and this thread's event-loop busy share.
  const cpu0 = process.cpuUsage();
  const children0 = childrenCpuMs();
  const elu0 = performance.eventLoopUtilization();
  const rq0 = runQueueByThread();
  const t0 = performance.now();
  const seqRun = await inlineReal(1, target, plan);
  const wall = performance.now() - t0 - maxRunQueueMs(rq0, runQueueByThread());
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const seq = throughput(seqRun);
  const sp = {};
  const cpuRatio = ((cpu.user + cpu.system) / 1000 + childrenCpuMs() - children0) / wall;
  if (isAsync) {
    sp[`async×${cores}`] = throughput(await inlineReal(cores, target, plan)) / seq;
    sp[`async×${HIGH_K}`] = throughput(await inlineReal(HIGH_K, target, plan)) / seq;
  }
  sp[`thread×${cores}`] = throughput(await piscinaReal(cores, target, plan)) / seq;
  if (cpuRatio < 0.5) sp[`thread×${HIGH_K}`] = throughput(await piscinaReal(HIGH_K, target, plan)) / seq;
  sp[`process×${cores}`] = throughput(await forkReal(cores, target, plan)) / seq;
  return { msPerCall: 1000 / seq, cpuRatio, elu, speedups: sp };
}

async function measurePy(l, windowMs) {
  const file = join(root, l.file);
  const probe = await barePythonRealFull('python3', { file, fn: l.fn, args: l.args ?? [], pools: ['seq'], durationMs: Math.min(windowMs, 500) });
  const pools = ['seq', `thread:${cores}`, `process:${cores}`];
  if (probe.seqCpuRatio < 0.5) pools.push(`thread:${HIGH_K}`);
  if (probe.isCoroutine) pools.push(`async:${cores}`, `async:${HIGH_K}`);
  // Calls too short to hand over one by one: the pools also get them in batches.
  if (l.batch) pools.push(`thread:${cores}/b${l.batch}`, `process:${cores}/b${l.batch}`);
  const out = await barePythonRealFull('python3', { file, fn: l.fn, args: l.args ?? [], pools, durationMs: windowMs });
  const tp = out.throughputPerSec;
  const sp = {};
  for (const p of pools.slice(1)) sp[p.replace(':', '×')] = tp[p] / tp.seq;
  return { msPerCall: 1000 / tp.seq, cpuRatio: out.seqCpuRatio, threadCpuRatio: out.seqThreadCpuRatio, speedups: sp };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const labels = LABELS.filter((l) => (o.only.length ? o.only.includes(l.fn) : !o.quick || l.quick));
  const rows = [];
  for (const l of labels) {
    let m;
    try {
      m = l.file.endsWith('.py') ? await measurePy(l, o.windowMs) : await measureJs(l, o.windowMs);
    } catch (e) {
      rows.push({ fn: l.fn, error: String(e?.message ?? e).split('\n')[0] });
      console.error(`${l.fn}: FAILED ${rows.at(-1).error}`);
      continue;
    }
    const j = judge(l, m);
    const disagree = Object.entries(j.checks).filter(([, ok]) => !ok).map(([k]) => k);
    rows.push({ fn: l.fn, file: l.file, ...m, ...j, agrees: disagree.length === 0 });
    console.error(
      `${l.fn.padEnd(15)} ${m.msPerCall.toFixed(1).padStart(7)} ms/call  CPU÷wall ${m.cpuRatio.toFixed(2)}${m.elu != null ? ` (loop ${m.elu.toFixed(2)})` : ''}${m.threadCpuRatio != null ? ` (calling thread ${m.threadCpuRatio.toFixed(2)})` : ''}  ` +
        `${Object.entries(m.speedups).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('  ')}  → ${j.kind}, best ${j.best}; ` +
        `label ${[l.kind, l.executor?.join('|'), l.gil, l.tinyTasks && 'tiny tasks', l.offloadedCpu && 'offloaded CPU'].filter(Boolean).join(', ')}: ${disagree.length ? `DISAGREES on ${disagree.join(', ')}` : 'agrees'}`,
    );
  }
  const ok = rows.filter((r) => r.agrees).length;
  console.log(`${ok}/${rows.length} labels agree with the bare-pool measurements (${cores} cores, others' load not controlled: run on a quiet machine).`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ cores, createdAt: new Date().toISOString(), rows }, null, 2) + '\n');
  process.exit(0);
}

main().catch((e) => {
  console.error(e?.message ?? e);
  process.exit(1);
});
