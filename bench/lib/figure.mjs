// One row of the results table: a figure measured over several repetitions, each
// repetition bracketed by a load reading, summarised as median [min, max] and checked
// against its target.
import { worstLoad, withLoad } from './load.mjs';
import { summarize } from './stats.mjs';

/**
 * Runs `rep` n times (fewer if the bench's deadline is near) and returns a figure.
 * `rep(i)` returns { value, ...details }; a throw records the error and stops the figure.
 */
export async function measure(ctx, spec, n, rep) {
  const reps = [];
  let error;
  for (let i = 0; i < n; i++) {
    if (i > 0 && ctx.pastDeadline()) {
      ctx.log(`  ${spec.id}: stopping after ${i} repetition(s), the bench's deadline is near`);
      break;
    }
    try {
      const { value: out, load } = await withLoad(() => rep(i));
      reps.push({ ...out, load });
      ctx.log(`  ${spec.id} #${i + 1}: ${fmtValue(out.value, spec.unit)}${load.busy ? `  (busy: others ${load.othersCores} cores, steal ${load.steal})` : ''}`);
    } catch (e) {
      error = oneLine(e);
      ctx.log(`  ${spec.id} #${i + 1}: FAILED ${error}`);
      break;
    }
  }
  return makeFigure(ctx, spec, reps, error);
}

export function makeFigure(ctx, spec, reps, error) {
  const s = summarize(reps.map((r) => r.value));
  // Sizes and other deterministic figures do not depend on the machine's load.
  const load = spec.deterministic ? null : worstLoad([ctx.sectionLoad, ...reps.map((r) => r.load)]);
  const pass = s.median == null ? null : withinTarget(s.median, spec.target);
  return {
    section: ctx.section,
    id: spec.id,
    label: spec.label,
    unit: spec.unit,
    median: s.median,
    min: s.min,
    max: s.max,
    reps: s.n,
    target: spec.target ?? null,
    pass,
    reference: describeReference(spec.reference, reps),
    load,
    ...(error ? { error } : {}),
    ...(!reps.length && !error ? { error: 'no repetitions ran' } : {}),
    raw: reps,
  };
}

/** A figure that could not be measured at all, with the reason a reader needs. */
export function unavailable(ctx, spec, reason) {
  return makeFigure(ctx, spec, [], reason);
}

/** `reference` is a fixed string, or a function of the repetitions (e.g. the bare pool's µs/task). */
function describeReference(reference, reps) {
  if (typeof reference === 'function') return reps.length ? reference(reps) : null;
  return reference ?? null;
}

export function withinTarget(v, t) {
  if (!t) return null;
  if (t.min != null && v < t.min) return false;
  if (t.max != null && v > t.max) return false;
  return true;
}

export function fmtValue(v, unit) {
  if (v == null || !Number.isFinite(v)) return 'n/a';
  switch (unit) {
    case 'x':
      return `${v.toFixed(2)}×`;
    case 'ms':
      return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;
    case 'us':
      return `${v.toFixed(0)} µs`;
    case 'fraction':
      return `${(v * 100).toFixed(0)}%`;
    case 'bytes':
      return v >= 1 << 20 ? `${(v / (1 << 20)).toFixed(2)} MB` : `${(v / 1024).toFixed(0)} kB`;
    default:
      return v.toFixed(3);
  }
}

export function fmtTarget(t, unit) {
  if (!t) return '—';
  if (t.min != null && t.max != null) return `${fmtValue(t.min, unit)}–${fmtValue(t.max, unit)}`;
  if (t.max != null) return `≤ ${fmtValue(t.max, unit)}`;
  return `≥ ${fmtValue(t.min, unit)}`;
}

export function oneLine(e) {
  const msg = e?.message ?? String(e);
  return msg.split('\n')[0].slice(0, 300);
}

/**
 * Runs `fn(out)`, which pushes figures for `specs` into `out`. If it throws (an engine
 * piece that fails to load or start), every spec without a figure yet gets a row that
 * says why, instead of the whole section collapsing into one error.
 */
export async function figuresFor(ctx, specs, fn) {
  const out = [];
  try {
    await fn(out);
  } catch (e) {
    ctx.log(`  failed: ${oneLine(e)}`);
    const done = new Set(out.map((f) => f.id));
    for (const s of specs) if (!done.has(s.id)) out.push(unavailable(ctx, s, oneLine(e)));
  }
  return out;
}

/** A loaded bench/src entry, or a throw that carries the build error. */
export function engineOrThrow(engine) {
  if (engine.error) throw new Error(engine.error);
  return engine.module;
}
