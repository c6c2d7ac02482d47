// The pure parts of hot spots: planning the pass inside the budget, ranking, the text
// and Markdown renderings, and the webview message that opens a location.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { hotspotReserveMs, hotspotWarmup, planHotspots, rankHotspots, type HotspotTally } from '../../src/engine/hotspots/hotspots';
import type { TargetRuntime } from '../../src/engine/executorTypes';
import { describePass } from '../../src/engine/hotspots/hotspotsJs';
import type { V8CpuProfile } from '../../src/shared/hotspotsProtocol';
import { displayPath, hotspotsMarkdown, hotspotsText } from '../../src/shared/hotspotsText';
import type { Report } from '../../src/shared/report';
import { isFromWebview } from '../../src/webview/protocol';

const plain = { bold: (s: string) => s, dim: (s: string) => s };
const tally = (fn: string, weight: number, lines: [number, number][] = []): HotspotTally => ({
  function: fn,
  file: '/p/a.ts',
  line: 3,
  origin: 'user',
  weight,
  lines: new Map(lines),
});

describe('hot spots (pure parts)', () => {
  it('plans a short pass from the budget and skips a call too slow for it', () => {
    const p = planHotspots(15_000, 2);
    assert.ok(!('skip' in p) && p.durationMs >= 100 && p.durationMs <= 500, JSON.stringify(p));
    const slow = planHotspots(5_000, 2_000);
    assert.ok('skip' in slow && /2 s/.test(slow.skip) && /budget/.test(slow.skip), JSON.stringify(slow));
    // One slow call that fits 10% of the budget still gets profiled.
    assert.ok(!('skip' in planHotspots(30_000, 1_000)));
  });

  it("keeps back for the pass after the ladder its window, one call, the hand-back and a fresh worker's start", () => {
    const pass = async () => ({ hotspots: [], note: '', calls: 0, wallMs: 0 });
    const fresh = { hotspots: pass, hotspotsSetupMs: () => 150 } as unknown as TargetRuntime;
    const warm = { hotspots: pass, hotspotsSetupMs: () => 0 } as unknown as TargetRuntime;
    const window = (planHotspots(6_000, 25) as { durationMs: number }).durationMs;
    assert.equal(hotspotReserveMs(warm, 6_000, 25), window + 25 + 60);
    assert.equal(hotspotReserveMs(fresh, 6_000, 25) - hotspotReserveMs(warm, 6_000, 25), 150);
    assert.equal(hotspotReserveMs({} as TargetRuntime, 6_000, 25), 0, 'no pass offered: nothing kept back');
    assert.equal(hotspotReserveMs(warm, 5_000, 2_000), 0, 'a skipped pass keeps nothing back');
    // A fresh worker's warm-up may take up to the window again: the runtime is told that cap.
    let cap: number | undefined;
    const warming = { hotspots: pass, hotspotsSetupMs: (c: number) => ((cap = c), 150 + c) } as unknown as TargetRuntime;
    assert.equal(hotspotReserveMs(warming, 6_000, 25), hotspotReserveMs(fresh, 6_000, 25) + window);
    assert.equal(cap, window);
  });

  it("warms the pass's fresh worker by the sequential worker's rule, for no longer than its window", () => {
    const policy = { steadyCalls: 3, tolerance: 0.1, maxCalls: 50, maxMs: 900, unsteadyMinCalls: 12, capAfterFirstCall: true };
    const plan = planHotspots(6_000, 25) as { durationMs: number; maxCalls: number };
    assert.deepEqual(hotspotWarmup(policy, plan), { ...policy, maxMs: plan.durationMs });
    assert.equal(hotspotWarmup({ ...policy, maxMs: 50 }, plan).maxMs, 50, 'a shorter cap stays');
  });

  it('ranks by weight, drops noise under 1%, and names the busiest line', () => {
    const ranked = rankHotspots([tally('small', 0.5), tally('big', 90, [[5, 10], [6, 70]]), tally('mid', 9.5)], 100);
    assert.deepEqual(ranked.map((h) => h.function), ['big', 'mid']);
    assert.equal(ranked[0].selfShare, 0.9);
    assert.equal(ranked[0].hotLine, 6);
    assert.deepEqual(rankHotspots([tally('x', 1)], 0), []);
  });

  const report = {
    hotspots: [
      { function: 'burn', file: path.join(process.cwd(), 'src/a.ts'), line: 10, selfShare: 0.9, hotLine: 12, origin: 'user' },
      { function: 'parse', file: '/elsewhere/node_modules/x/index.js', line: 1, selfShare: 0.05, origin: 'dependency' },
    ],
    hotspotWaits: [{ function: 'fetchIt', file: '/w/b.py', line: 14, waitShare: 0.8 }],
    hotspotsNote: 'V8 sampling profiler, 26 calls in 400 ms.',
  } as unknown as Report;

  it('renders the text block with file:line relative to the working directory', () => {
    const text = hotspotsText(report, plain).join('\n');
    assert.match(text, /^Hot spots/);
    assert.match(text, /90%\s+burn\s+src[\\/]a\.ts:10 \(busiest line 12\)/);
    // Shares print through shared/format pct like every other percentage (5%, not 5.0%).
    assert.match(text, /\s5%\s+parse\s+\/elsewhere\/node_modules\/x\/index\.js:1 \[dependency\]/);
    assert.match(text, /Waited at[\s\S]*80%\s+fetchIt\s+\/w\/b\.py:14/);
    assert.match(text, /i V8 sampling profiler/);
    assert.deepEqual(hotspotsText({} as Report, plain), [], 'older reports render nothing');
    assert.equal(displayPath('/outside/x.js', '/work'), '/outside/x.js');
  });

  it('renders a Markdown table', () => {
    const md = hotspotsMarkdown(report, (s) => s).join('\n');
    assert.match(md, /## Hot spots/);
    assert.match(md, /\| 90% \| burn \| .*a\.ts:10 \| 12 \|/);
    assert.match(md, /\| 80% \| fetchIt \| \/w\/b\.py:14 \|/);
  });

  it('accepts only well-formed openLocation messages from the page', () => {
    assert.ok(isFromWebview({ type: 'openLocation', file: '/a.ts', line: 3 }));
    assert.ok(!isFromWebview({ type: 'openLocation', file: '/a.ts', line: 0 }));
    assert.ok(!isFromWebview({ type: 'openLocation', file: 3, line: 3 }));
    assert.ok(!isFromWebview({ type: 'openLocation', file: '/a.ts', line: 1.5 }));
  });

  it("says a slow waiting call's one warm-up call was its setup, not a JIT still warming", () => {
    // A 270 ms call that waited on a child process: one warm-up call by the rule, never "steady".
    const m = { type: 'profile' as const, profile: {} as V8CpuProfile, calls: 1, failures: 0, wallMs: 264, warmup: { firstCallMs: 278, steadyCallMs: 278, calls: 1, steady: false, failed: false } };
    const folded = { hotspots: [], samples: 435, idleSamples: 426, gcSamples: 0 };
    const setup = describePass(m, folded, true, true);
    assert.match(setup, /The thread made 1 unprofiled call first \(278 ms\), for the function's one-time setup: the call mostly waits, and its wait has nothing to warm\./);
    assert.doesNotMatch(setup, /V8 still optimising/);
    // Under the steady rule, an unsettled warm-up still says so.
    assert.match(describePass(m, folded, true, false), /had not settled .*V8 still optimising the function/);
  });
});
