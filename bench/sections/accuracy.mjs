// 4. Accuracy: whole profiles of the labelled suite (bench/labels.mjs) at budgets of 3,
// 6 and 15 s, scored against the labels: one row per scored field and budget (the share
// of labelled answers right), and the short-budget agreement: the share of functions
// whose kind and executor at the shortest budget match those at the longest, which is
// what a user who runs a quick profile relies on.
//
//   BENCH_ACCURACY_BUDGETS=3,6,15   budgets in seconds (a smoke run uses 3,15)
//   BENCH_LABELS=parseYaml,scan     only these functions (by fn name)
//   BENCH_ACCURACY_REPORTS=DIR      also save each whole report there (fn-file-budget.json),
//                                   to read why an answer was wrong
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABELS, UNLABELLED_OK } from '../labels.mjs';
import { loadEngine } from '../lib/engine.mjs';
import { makeFigure, oneLine, unavailable } from '../lib/figure.mjs';
import { withLoad } from '../lib/load.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const AGREEMENT_TARGET = { min: 0.9 };

/** Each scored field: how to read it from a report, and whether a label's answer matches. */
const FIELDS = {
  kind: { read: (r) => r.verdict.kind, ok: (got, want) => got === want },
  gil: { read: (r) => r.verdict.gil, ok: (got, want) => got === want },
  executor: { read: (r) => r.recommendation.executor, ok: (got, want) => want.includes(got) },
  tinyTasks: { read: (r) => r.verdict.tinyTasks === true, ok: (got, want) => got === want },
  offloadedCpu: { read: (r) => r.verdict.offloadedCpu === true, ok: (got, want) => got === want },
  parallelInside: { read: (r) => r.verdict.parallelInside === true, ok: (got, want) => got === want },
};

/** Rows, each scoring one or more fields (the special-case flags share a row). */
const SCORED = [
  { id: 'kind', fields: ['kind'], label: 'kind (io-bound / cpu-bound / mixed)' },
  { id: 'executor', fields: ['executor'], label: 'recommended executor' },
  { id: 'gil', fields: ['gil'], label: 'GIL verdict (held / released)' },
  { id: 'flags', fields: ['tinyTasks', 'offloadedCpu', 'parallelInside'], label: 'special cases flagged (tiny tasks, CPU offloaded off the calling thread, already parallel inside)' },
];

export function accuracyPlan(quick) {
  const env = process.env.BENCH_ACCURACY_BUDGETS;
  const budgetsS = env ? env.split(',').map(Number).filter((n) => n > 0) : quick ? [3, 15] : [3, 6, 15];
  const only = (process.env.BENCH_LABELS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const suite = LABELS.filter((l) => (only.length ? only.includes(l.fn) : !quick || l.quick));
  return { budgetsS, suite };
}

export async function accuracySection(ctx) {
  const { budgetsS, suite: chosen } = accuracyPlan(ctx.quick);
  const specs = [];
  for (const b of budgetsS) for (const s of SCORED) specs.push({ id: `accuracy.${s.id}.${b}s`, scored: s, budgetS: b, label: `Labelled suite at ${b} s: ${s.label} correct`, unit: 'fraction', target: null });
  const shortS = Math.min(...budgetsS);
  const longS = Math.max(...budgetsS);
  const agreement = {
    id: 'accuracy.agreement',
    label: `Short-budget agreement: kind and executor at ${shortS} s = at ${longS} s`,
    unit: 'fraction',
    target: AGREEMENT_TARGET,
  };
  const engine = await loadEngine('profileEngine');
  if (engine.error) return [...specs, agreement].map((s) => unavailable(ctx, s, engine.error));
  const { profile } = engine.module;

  const unlabelled = fixturesWithoutLabels();
  if (unlabelled.length) ctx.log(`  warning: verdict tests use fixtures with no label in bench/labels.mjs: ${unlabelled.join(', ')}`);
  const suite = chosen.filter((l) => existsSync(join(root, l.file)));
  const missing = chosen.filter((l) => !existsSync(join(root, l.file))).map((l) => l.file);
  if (missing.length) ctx.log(`  skipped (fixture not in the tree yet): ${missing.join(', ')}`);
  ctx.log(`  ${suite.length} functions × budgets ${budgetsS.join(', ')} s ≈ ${Math.round((suite.length * budgetsS.reduce((a, b) => a + b, 0)) / 60)} min`);

  // outcomes[budget] = one outcome per function, in suite order.
  const outcomes = Object.fromEntries(budgetsS.map((b) => [b, []]));
  const loads = Object.fromEntries(budgetsS.map((b) => [b, []]));
  let cut = false;
  for (const l of suite) {
    if (ctx.pastDeadline()) {
      cut = true;
      ctx.log(`  stopping before ${l.fn}: the bench's deadline is near`);
      break;
    }
    for (const b of budgetsS) {
      const { value: o, load } = await withLoad(() => profileOne(profile, l, b * 1000));
      outcomes[b].push(o);
      loads[b].push(load);
      const wrong = Object.entries(o.fields).filter(([, v]) => !v.ok);
      const verdict = o.error ? `FAILED ${o.error}` : wrong.length ? `wrong ${wrong.map(([k, v]) => `${k}=${v.got} (want ${v.want})`).join(', ')}` : 'all correct';
      ctx.log(`  ${b} s ${l.fn}: ${o.kind ?? '?'} → ${o.executor ?? '?'} × ${o.workers ?? '?'}; ${verdict}${o.busy ? '  (machine busy before this profile)' : ''}`);
    }
  }

  const figures = specs.map((spec) => {
    const fields = spec.scored.fields;
    const answers = outcomes[spec.budgetS].flatMap((o) => fields.filter((f) => o.fields[f]).map((f) => ({ o, f, a: o.fields[f] })));
    if (!answers.length) return unavailable(ctx, spec, `no function in the suite is labelled with ${fields.join(' or ')}`);
    const wrong = answers.filter((x) => !x.a.ok);
    const rep = {
      value: (answers.length - wrong.length) / answers.length,
      right: answers.length - wrong.length,
      of: answers.length,
      wrong: wrong.map((x) => `${x.o.fn}: ${fields.length > 1 ? `${x.f}=` : ''}${x.o.error ? 'failed' : x.a.got}`),
      load: worstOf(loads[spec.budgetS]),
    };
    spec.reference = (r) => `${r[0].right}/${r[0].of} right${cut ? ' (suite cut by the deadline)' : ''}${r[0].wrong.length ? `; wrong: ${r[0].wrong.join('; ')}` : ''}`;
    return makeFigure(ctx, spec, [rep]);
  });

  // Agreement: a function counts when both budgets profiled it and the answers match.
  const pairs = outcomes[shortS].map((s, i) => ({ s, l: outcomes[longS][i] })).filter((p) => p.l);
  const differ = pairs.filter(({ s, l }) => s.error || l.error || s.kind !== l.kind || s.executor !== l.executor);
  const agreeFig = pairs.length
    ? makeFigure(ctx, { ...agreement, reference: () => `${pairs.length - differ.length}/${pairs.length} agree${differ.length ? `; differ: ${differ.map(({ s, l }) => `${s.fn} (${s.kind ?? 'failed'}/${s.executor ?? '–'} vs ${l.kind ?? 'failed'}/${l.executor ?? '–'})`).join('; ')}` : ''}` }, [
        { value: (pairs.length - differ.length) / pairs.length, load: worstOf([...loads[shortS], ...loads[longS]]) },
      ])
    : unavailable(ctx, agreement, 'no function was profiled at both budgets');
  if (unlabelled.length) agreeFig.unlabelledFixtures = unlabelled;
  agreeFig.outcomes = outcomes;
  figures.push(agreeFig);
  return figures;
}

/** One whole profile, reduced to what the labels score (plus what a reader wants to see). */
async function profileOne(profile, l, budgetMs) {
  const o = { file: l.file, fn: l.fn, budgetMs, fields: {} };
  try {
    const r = await profile({ file: join(root, l.file), functionName: l.fn, args: l.args ?? [], budgetMs });
    const keep = process.env.BENCH_ACCURACY_REPORTS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, `${l.fn}-${l.file.split('/').pop().replace(/\.\w+$/, '')}-${budgetMs / 1000}s.json`), JSON.stringify(r, null, 1));
    }
    // The profile's own pre-run reading: a wrong verdict on a busy machine may be the machine's fault.
    o.busy = r.environment.backgroundLoad.busy;
    o.kind = r.verdict.kind;
    o.executor = r.recommendation.executor;
    o.workers = r.recommendation.workers;
    o.atLeast = r.recommendation.atLeast ?? undefined;
    o.durationMs = r.durationMs;
    for (const [name, f] of Object.entries(FIELDS)) {
      if (l[name] === undefined) continue;
      const got = f.read(r);
      o.fields[name] = { want: l[name], got: got ?? null, ok: f.ok(got, l[name]) };
    }
  } catch (e) {
    o.error = oneLine(e);
    for (const name of Object.keys(FIELDS)) if (l[name] !== undefined) o.fields[name] = { want: l[name], got: null, ok: false };
  }
  return o;
}

function worstOf(loads) {
  const known = loads.filter((l) => l && l.othersCores != null);
  if (!known.length) return { othersCores: null, steal: null, busy: false };
  return { othersCores: Math.max(...known.map((l) => l.othersCores)), steal: Math.max(...known.map((l) => l.steal)), busy: known.some((l) => l.busy) };
}

/** Fixture file names that verdict tests mention but bench/labels.mjs does not. */
function fixturesWithoutLabels() {
  const dir = join(root, 'test/engine');
  if (!existsSync(dir)) return [];
  const labelled = new Set(LABELS.map((l) => l.file.split('/').pop()));
  const seen = new Set();
  for (const f of readdirSync(dir).filter((n) => /verdict/i.test(n) && n.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/['"`]([\w-]+\.(?:js|mjs|cjs|ts|mts|cts|py))['"`]/g)) if (!labelled.has(m[1])) seen.add(m[1]);
  }
  // A fixture that only tests error paths (it throws) has no verdict to score.
  return [...seen].filter((n) => !/throw|raise|syntax|error|exit/i.test(n) && !UNLABELLED_OK[n]);
}
