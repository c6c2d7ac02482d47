// The caveats the engine finds while it measures are findings like the analysis's: a
// code and its numbers in the report, and the words from src/shared/caveatWords.ts.
// Every code renders a sentence with its numbers in it and nothing left undefined.
import assert from 'node:assert/strict';
import { crashCaveat, type EngineDeath } from '../../src/engine/engineCrash';
import { caveatTextOf, caveatOf, renderCaveat } from '../../src/shared/wording';
import type { FindingData, Report } from '../../src/shared/report';

const js = { python: false };
const words = (code: string, data: FindingData) => renderCaveat({ code, data }, js);

describe('engine caveats (findings and their words)', () => {
  it('renders every engine code with its numbers, never a bare code or an undefined', () => {
    const cases: [string, FindingData, RegExp][] = [
      ['executor-skipped', { executor: 'distributed', why: 'redis-server not found' }, /^Skipped the distributed executor: redis-server not found$/],
      ['executor-budget-spent', { executor: 'thread', budgetMs: 3000 }, /^Skipped the thread executor: the 3\.0 s budget was used up\.$/],
      ['executor-unmeasured', { executor: 'process', firstK: 2, budgetMs: 15_000 }, /^process was not measured: even its first point \(K = 2\) would not fit in the 15 s budget/],
      ['ladder-failures', { executor: 'thread', k: 4, failed: 7 }, /^thread × 4: 7 calls failed; the ladder stopped there\.$/],
      ['ladder-budget', { executor: 'async', k: 8, nextK: 16, budgetMs: 6000 }, /^Stopped the async ladder at K=8: K=16 would not fit the 6\.0 s budget\.$/],
      ['queue-no-items', { executor: 'process', k: 4 }, /^process × 4 processed no item/],
      ['first-call-setup', { probeMs: 1500, warmCallMs: 2 }, /^The first call took 1\.50 s, a warm one 2\.0 ms: most of the first was one-time setup/],
      ['overrun', { tookMs: 4450, budgetMs: 3000 }, /took 4\.5 s of its 3\.0 s budget.*--budget of 5 s or more/],
      ['baseline-replaced', { slower: 0.234 }, /the first one was 23% slower/],
      ['baseline-drift', { drift: 0.18, referenced: 1 }, /speed moved by 18% during the profile.*Each speedup divides/],
      ['baseline-drift', { drift: 0.18, referenced: 0 }, /baseline moved by 18% between the start and the end/],
      ['windows-set-aside', { points: 'thread:2,process:4', slower: '0.21,0.3' }, /disagreed beyond both intervals: thread ×2 \(21% slower\), process ×4 \(30% slower\)\./],
    ];
    for (const [code, data, want] of cases) {
      const s = words(code, data);
      assert.match(s, want, `${code}: ${s}`);
      assert.doesNotMatch(s, /undefined|NaN|–/, `${code}: ${s}`);
    }
  });

  it('an engine crash names the executor, the cause and what was not measured again', () => {
    const death: EngineDeath = { exit: { code: null, signal: 'SIGSEGV' }, last: { phase: 'run', executor: 'thread', concurrency: 2, message: 'thread × 2', fraction: 0.5 }, seen: ['sequential', 'async', 'thread'], stderrTail: '' };
    const one = crashCaveat('segfaultsIn', { ...death, skipped: ['async'] });
    assert.equal(one.code, 'engine-crash');
    assert.equal(one.level, 'warning');
    const s = words(one.code, one.data);
    assert.match(s, /^thread × 2: segfaultsIn took down the profiler's engine process \(.*SIGSEGV.*\)\. A new engine process measured the other executors/);
    assert.match(s, / async ran before the crash, but too little of the budget was left to measure it again\.$/);
    const two = crashCaveat('segfaultsIn', { ...death, skipped: ['async', 'sequential'] });
    assert.match(words(two.code, two.data), /async and sequential ran before the crash, .* measure them again\.$/);
  });

  it('stores the words beside the finding, and a report read back renders them again', () => {
    const c = caveatOf({ level: 'info', code: 'overrun', data: { tookMs: 4450, budgetMs: 3000 } }, js);
    assert.deepEqual({ code: c.code, data: c.data, level: c.level }, { code: 'overrun', data: { tookMs: 4450, budgetMs: 3000 }, level: 'info' });
    const report = { target: { language: 'javascript' } } as Report;
    assert.equal(caveatTextOf(report, c), c.message);
    // A report without the code's words (an older build's) shows its stored text.
    assert.equal(caveatTextOf(report, { level: 'info', message: 'stored', code: 'not-a-code', data: {} }), 'stored');
  });
});
