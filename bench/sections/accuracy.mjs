// 4. Accuracy: whole profiles of the project's labelled fixtures, scored against the
// verdicts their engine tests assert. Each pass over the suite is one repetition; the
// figure is the fraction of labelled answers it got right.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABELS } from '../labels.mjs';
import { loadEngine } from '../lib/engine.mjs';
import { makeFigure, oneLine, unavailable } from '../lib/figure.mjs';
import { withLoad } from '../lib/load.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_BUDGET_MS = 5000;

/** Each scored field: how to read it from a report, and whether a label's answer matches. */
const FIELDS = {
  kind: { read: (r) => r.verdict.kind, ok: (got, want) => got === want },
  gil: { read: (r) => r.verdict.gil, ok: (got, want) => got === want },
  executor: { read: (r) => r.recommendation.executor, ok: (got, want) => want.includes(got) },
  tinyTasks: { read: (r) => r.verdict.tinyTasks === true, ok: (got, want) => got === want },
  offloadedCpu: { read: (r) => r.verdict.offloadedCpu === true, ok: (got, want) => got === want },
};

/** Figures, each scoring one or more fields (the two special-case flags share a row). */
const SCORED = [
  { id: 'kind', fields: ['kind'], label: 'kind (io-bound / cpu-bound / mixed)' },
  { id: 'gil', fields: ['gil'], label: 'GIL verdict (held / released)' },
  { id: 'executor', fields: ['executor'], label: 'recommended executor' },
  { id: 'flags', fields: ['tinyTasks', 'offloadedCpu'], label: 'special cases flagged (tiny tasks, CPU offloaded to libuv)' },
];

export async function accuracySection(ctx) {
  const passes = ctx.quick ? 1 : 2;
  const specs = SCORED.map((s) => ({ id: `accuracy.${s.id}`, label: `Labelled suite: ${s.label} correct`, unit: 'fraction', target: null }));
  const engine = await loadEngine('profileEngine');
  if (engine.error) return specs.map((s) => unavailable(ctx, s, engine.error));
  const { profile } = engine.module;

  const unlabelled = fixturesWithoutLabels();
  if (unlabelled.length) ctx.log(`  warning: verdict tests use fixtures with no label in bench/labels.mjs: ${unlabelled.join(', ')}`);
  const suite = LABELS.filter((l) => existsSync(join(root, l.file)));
  const missing = LABELS.filter((l) => !existsSync(join(root, l.file))).map((l) => l.file);
  if (missing.length) ctx.log(`  skipped (fixture not in the tree yet): ${missing.join(', ')}`);

  const passResults = [];
  for (let p = 0; p < passes; p++) {
    if (p > 0 && ctx.pastDeadline()) break;
    const { value: outcomes, load } = await withLoad(async () => {
      const out = [];
      for (const l of suite) {
        const budgetMs = ctx.quick ? Math.min(3000, l.budgetMs ?? DEFAULT_BUDGET_MS) : (l.budgetMs ?? DEFAULT_BUDGET_MS);
        const o = { file: l.file, fn: l.fn, fields: {} };
        try {
          const r = await profile({ file: join(root, l.file), functionName: l.fn, args: l.args ?? [], budgetMs });
          // The profile's own pre-run reading: a wrong verdict on a busy machine may be the machine's fault.
          o.busy = r.environment.backgroundLoad.busy;
          for (const [name, f] of Object.entries(FIELDS)) {
            if (l[name] === undefined) continue;
            const got = f.read(r);
            o.fields[name] = { want: l[name], got: got ?? null, ok: f.ok(got, l[name]) };
          }
        } catch (e) {
          o.error = oneLine(e);
          for (const name of Object.keys(FIELDS)) if (l[name] !== undefined) o.fields[name] = { want: l[name], got: null, ok: false };
        }
        const wrong = Object.entries(o.fields).filter(([, v]) => !v.ok);
        const verdict = o.error ? `FAILED ${o.error}` : wrong.length ? `wrong ${wrong.map(([k, v]) => `${k}=${v.got} (want ${v.want})`).join(', ')}` : 'all correct';
        ctx.log(`  pass ${p + 1} ${l.fn}: ${verdict}${o.busy ? '  (machine busy before this profile)' : ''}`);
        out.push(o);
      }
      return out;
    });
    passResults.push({ outcomes, load });
  }

  return specs.map((spec, i) => {
    const fields = SCORED[i].fields;
    const reps = passResults
      .map(({ outcomes, load }) => {
        const answers = outcomes.flatMap((o) => fields.filter((f) => o.fields[f]).map((f) => ({ o, f, a: o.fields[f] })));
        if (!answers.length) return undefined;
        const wrong = answers.filter((x) => !x.a.ok);
        return {
          value: (answers.length - wrong.length) / answers.length,
          right: answers.length - wrong.length,
          of: answers.length,
          wrong: wrong.map((x) => `${x.o.fn}: ${fields.length > 1 ? `${x.f}=` : ''}${x.o.error ? 'failed' : x.a.got}`),
          load,
        };
      })
      .filter(Boolean);
    spec.reference = (r) => {
      const wrong = [...new Set(r.flatMap((x) => x.wrong))];
      return `${r[r.length - 1].of} labelled answers × ${r.length} pass(es)${wrong.length ? `; wrong: ${wrong.join('; ')}` : ''}`;
    };
    const fig = makeFigure(ctx, spec, reps, reps.length ? undefined : `no fixture in the suite is labelled with ${fields.join(' or ')}`);
    if (unlabelled.length) fig.unlabelledFixtures = unlabelled;
    if (i === 0) fig.outcomes = passResults.map((p) => p.outcomes);
    return fig;
  });
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
  return [...seen].filter((n) => !/throw|raise|syntax|error|exit/i.test(n));
}
