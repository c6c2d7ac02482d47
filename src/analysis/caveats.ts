// Conditions that make the measurement less certain, as findings (the words are in
// src/shared/wording.ts). Confidence reads their codes.
import type { Finding } from '../shared/report';
import { encodePoints } from '../shared/names';
import { defined, HIGH_STEAL, UNUSABLE_ERROR_RATE, type Evidence } from './evidence';

const FAILURE_KINDS = ['timeout', 'exit', 'crash', 'out-of-memory'];

export function caveatFindings(ev: Evidence): Finding[] {
  const out: Finding[] = [];
  const add = (level: Finding['level'], code: string, data: Finding['data'] = {}) => out.push({ code, level, data });
  const bg = ev.input.background;
  if (bg.busy) add('warning', 'background-busy', { busyCores: bg.busyCores, cores: ev.cores, utilization: bg.utilization });
  if (bg.steal >= HIGH_STEAL) add('warning', 'steal', { steal: bg.steal });
  const noisy = ev.input.runs.filter((r) => r.noisy && r.tasks > 0);
  if (noisy.length) add('warning', 'noisy-points', { count: noisy.length, total: ev.input.runs.length, points: encodePoints(noisy) });
  for (const r of ev.input.runs) {
    if (r.errors.count <= 0) continue;
    const attempted = Math.max(r.tasks, r.errors.count);
    const sample = r.errors.samples[0];
    const failing = r.errors.samples.length > 0 && r.errors.samples.every((s) => FAILURE_KINDS.includes(s.kind));
    add(
      'warning',
      'run-errors',
      defined({
        point: encodePoints([r]),
        count: r.errors.count,
        attempted,
        verb: failing ? 'failed' : 'threw',
        sampleKind: sample?.kind,
        sampleMessage: sample?.message,
        excluded: r.errors.rate >= UNUSABLE_ERROR_RATE ? 1 : 0,
      }),
    );
  }
  if (ev.seq && ev.seq.tasks < 5) {
    add('info', 'few-sequential-calls', { tasks: ev.seq.tasks, callMs: ev.callMs });
  } else {
    const few = ev.input.runs.filter((r) => r.tasks > 0 && r.tasks < 3);
    if (few.length) add('info', 'few-calls', { points: encodePoints(few) });
  }
  if (!ev.seq) add('warning', 'no-sequential');
  // coldPoolsOf lists only pools with both figures; the guard keeps the types honest.
  const warmCallMs = ev.input.coldStart?.sequential?.steadyCallMs;
  for (const kind of ev.coldPools) {
    const c = ev.input.coldStart?.[kind];
    if (!c || c.steadyCallMs == null || warmCallMs == null) continue;
    add('warning', 'cold-pool', { executor: kind, lastCallMs: c.steadyCallMs, warmCallMs, calls: c.warmupCalls });
  }
  if (ev.callCpuRatio == null) add('info', 'no-cpu-time');
  if (ev.cores < 2) add('info', 'one-core');
  return out;
}
