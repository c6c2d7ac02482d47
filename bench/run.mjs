// `npm run bench`: the profiler's own overhead, fidelity and accuracy, each figure a ratio
// to a reference measured in the same run (absolute times drift on shared machines),
// the median of several repetitions with min and max, next to the machine's background
// load. Prints a table and writes bench/results.json.
//
//   BENCH_QUICK=1      smoke run (or --quick): fewer repetitions, shorter windows and budgets,
//                      a subset of the labelled suite and of the real libraries
//   BENCH_ONLY=1,4     run only these sections, by number or key (e.g. 7 or realFidelity)
//   BENCH_LIMIT_MIN=45 the bench's time limit in minutes (see DEADLINE_MS)
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { idleLoad } from './lib/load.mjs';
import { oneLine, unavailable } from './lib/figure.mjs';
import { renderTable } from './lib/table.mjs';
import { dispatchSection } from './sections/dispatch.mjs';
import { fidelitySection } from './sections/fidelity.mjs';
import { budgetSection } from './sections/budget.mjs';
import { accuracySection } from './sections/accuracy.mjs';
import { responsivenessSection } from './sections/responsiveness.mjs';
import { extensionSection } from './sections/extension.mjs';
import { realFidelitySection } from './sections/realFidelity.mjs';
import { distributedSection } from './sections/distributed.mjs';
import { hotspotsSection } from './sections/hotspots.mjs';

const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
/**
 * The labelled suite alone profiles 44 functions at budgets of 3, 6 and 15 s (~20 min),
 * so the whole bench gets 45 minutes (about 33 used): past 90% of it, figures stop adding repetitions...
 */
const LIMIT_MS = Number(process.env.BENCH_LIMIT_MIN ?? 45) * 60_000;
const DEADLINE_MS = 0.9 * LIMIT_MS;
/** ...and past 95%, sections not yet started are skipped (each row says so). */
const HARD_DEADLINE_MS = 0.95 * LIMIT_MS;

const sections = [
  { n: 1, name: 'Dispatch overhead vs the raw pool', run: dispatchSection },
  { n: 2, name: 'Fidelity vs the ideal speedup', run: fidelitySection },
  // Numbered 7 (added later), run next to its sibling section 2.
  { n: 7, key: 'realFidelity', name: 'Fidelity on real libraries vs warmed bare pools', run: realFidelitySection },
  { n: 3, name: 'Budget adherence', run: budgetSection },
  { n: 4, name: 'Accuracy on the labelled suite', run: accuracySection },
  { n: 5, name: 'Caller responsiveness', run: responsivenessSection },
  { n: 6, name: 'Extension cost', run: extensionSection },
  { n: 8, key: 'hotspots', name: 'Hot-spot profiling cost', run: hotspotsSection },
  { n: 9, key: 'distributed', name: 'Distributed executor (BullMQ on Redis)', run: distributedSection },
];

async function main() {
  const started = Date.now();
  const log = (s) => process.stderr.write(s + '\n');
  const figures = [];
  const sectionLoads = {};
  log(`workload-profiler bench${quick ? ' (BENCH_QUICK: smoke run, figures are not representative)' : ''} on ${os.cpus().length} cores`);
  for (const s of sections) {
    if (only.length && !only.includes(String(s.n)) && !only.includes(s.key)) continue;
    if (Date.now() - started > HARD_DEADLINE_MS) {
      const ctx = { section: s.n, sectionLoad: null };
      figures.push(unavailable(ctx, { id: `section${s.n}`, label: s.name, unit: null }, `skipped: the bench reached its ${LIMIT_MS / 60_000}-minute limit`));
      log(`\n[${s.n}] ${s.name}: skipped, the ${LIMIT_MS / 60_000}-minute limit is near`);
      continue;
    }
    const sectionLoad = await idleLoad(quick ? 200 : 500);
    sectionLoads[s.n] = sectionLoad;
    log(`\n[${s.n}] ${s.name}  (before: others ${fmtLoad(sectionLoad)})`);
    const ctx = {
      section: s.n,
      quick,
      sectionLoad,
      log,
      pastDeadline: () => Date.now() - started > DEADLINE_MS,
    };
    const t0 = Date.now();
    try {
      figures.push(...(await s.run(ctx)));
    } catch (e) {
      // A section that breaks outright still leaves a row saying why.
      figures.push(unavailable(ctx, { id: `section${s.n}`, label: s.name, unit: null }, oneLine(e)));
      log(`  section failed: ${e?.stack ?? e}`);
    }
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const totalS = (Date.now() - started) / 1000;
  const results = {
    createdAt: new Date().toISOString(),
    command: quick ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
    quick,
    durationS: Math.round(totalS * 10) / 10,
    machine: {
      cores: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      platform: `${os.platform()} ${os.arch()}`,
      node: process.version,
      totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    },
    sectionLoads,
    figures,
  };
  // The table goes into results.json too, ready to paste into the README's Performance section.
  const table = renderTable(results);
  results.markdownTable = table;
  writeFileSync(fileURLToPath(new URL('results.json', import.meta.url)), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(table + '\n');
  log(`bench: ${totalS.toFixed(0)} s; wrote bench/results.json`);
}

function fmtLoad(l) {
  if (l.othersCores == null) return 'unknown';
  return `${l.othersCores} cores, steal ${(l.steal * 100).toFixed(1)}%${l.busy ? ' — BUSY' : ''}`;
}

main().then(
  // Pools and children are all disposed by now; exit anyway so a stray handle in an
  // engine under construction can't keep the bench hanging.
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
