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
};

export async function accuracySection(ctx) {
  const passes = ctx.quick ? 1 : 2;
  const specs = ['kind', 'gil', 'executor'].map((field) => ({
    id: `accuracy.${field}`,
    label: `Labelled suite: ${field === 'gil' ? 'GIL verdict' : field === 'kind' ? 'kind' : 'recommended executor'} correct`,
    unit: 'fraction',
    target: null,
  }));
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
        ctx.log(`  pass ${p + 1} ${l.fn}: ${o.error ? `FAILED ${o.error}` : wrong.length ? `wrong ${wrong.map(([k, v]) => `${k}=${v.got} (want ${v.want})`).join(', ')}` : 'all correct'}`);
        out.push(o);
      }
      return out;
    });
    passResults.push({ outcomes, load });
  }

  return specs.map((spec, i) => {
    const field = ['kind', 'gil', 'executor'][i];
    const reps = passResults
      .map(({ outcomes, load }) => {
        const scored = outcomes.filter((o) => o.fields[field]);
        if (!scored.length) return undefined;
        const right = scored.filter((o) => o.fields[field].ok).length;
        return { value: right / scored.length, right, of: scored.length, wrong: scored.filter((o) => !o.fields[field].ok).map((o) => `${o.fn}: ${o.fields[field].got ?? o.error}`), load };
      })
      .filter(Boolean);
    spec.reference = (r) => {
      const last = r[r.length - 1];
      const wrong = [...new Set(r.flatMap((x) => x.wrong))];
      return `${last.of} labelled fixtures × ${r.length} pass(es)${wrong.length ? `; wrong: ${wrong.join('; ')}` : ''}`;
    };
    const fig = makeFigure(ctx, spec, reps, reps.length ? undefined : `no fixture in the suite is labelled with ${field}`);
    if (field === 'kind') fig.tinyTasks = passResults.map(({ outcomes }) => outcomes.filter((o) => o.fields.tinyTasks).map((o) => o.fields.tinyTasks));
    if (unlabelled.length) fig.unlabelledFixtures = unlabelled;
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
