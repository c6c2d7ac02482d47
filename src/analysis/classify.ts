// The verdict: what kind of work a function does, and which executor to run it on.
// Pure: it reads measured runs and returns findings (codes and numbers) plus the text
// rendered from them, so it is tested on synthetic measurements from a known physical
// model (test/unit/synthetic.ts). docs/model.md describes the model and every threshold.
import type { Caveat, Finding, Verdict } from '../shared/report';
import { caveatOf, renderReason, renderRecommendation, type WordingContext } from '../shared/wording';
import { caveatFindings } from './caveats';
import { confidenceOf } from './confidence';
import { gatherEvidence, isBlockingWait, kindOf } from './evidence';
import { round3 } from '../shared/rounding';
import { gilVerdict } from './gil';
import { overheadOf } from './overhead';
import { cpuFinding, doubtFindings, lessonFindings, shapeFinding } from './reasons';
import { recommend } from './recommend';
import { scalingFits } from './scalability';
import type { Analysis, AnalysisInput } from './types';

export function classify(input: AnalysisInput): Analysis {
  const ev = gatherEvidence(input);
  const kind = kindOf(ev.cpuShare);
  const ctx: WordingContext = { python: ev.python };
  const findings: Finding[] = [cpuFinding(ev)];
  const shape = shapeFinding(ev);
  if (shape) findings.push(shape);

  const gil = ev.python ? gilVerdict(ev, kind) : undefined;
  const blocking = isBlockingWait(ev, kind);
  const overhead = overheadOf(ev, gil?.verdict);

  findings.push(...lessonFindings(ev, kind, blocking));
  if (gil) findings.push(gil.finding);
  if (overhead.finding) findings.push(overhead.finding);
  const doubts = doubtFindings(ev, kind, gil?.verdict, overhead.tiny);
  findings.push(...doubts);

  const scaling = scalingFits(ev, kind);
  const { code, data, ...rec } = recommend({ ev, kind, gil: gil?.verdict, blocking, overhead, fits: scaling });
  const recommendation = { ...rec, reason: renderRecommendation({ code, data }, ctx), code, data };
  const cavFindings = caveatFindings(ev, { recommendation, doubts, gil: gil?.verdict });
  const caveats: Caveat[] = cavFindings.map((f) => caveatOf(f, ctx));
  const confidence = confidenceOf(ev, kind, doubts.length, cavFindings);

  const verdict: Verdict = {
    kind,
    confidence,
    cpuRatio: round3(ev.cpuShare),
    reasons: findings.map((f) => renderReason(f, ctx)),
    findings,
  };
  if (gil) verdict.gil = gil.verdict;
  if (overhead.tiny) verdict.tinyTasks = true;
  if (ev.offloaded) verdict.offloadedCpu = true;
  if (ev.parallelInside != null) verdict.parallelInside = true;
  return { verdict, recommendation, caveats, scaling };
}

export type { Analysis, AnalysisInput, LadderStop } from './types';
