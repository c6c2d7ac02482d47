// The bench's own judgement, on synthetic numbers: the stability rule that decides when
// the dispatch figure has enough alternating rounds, the physics rules that check the
// labels against bare pools, and the labelled suite's shape (issue 14: ≥ 20 functions
// across JS, TS and Python, most wrapping real libraries, each label justified).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/engine/paths';

type Mod = Record<string, any>;
const load = (rel: string): Promise<Mod> => import(pathToFileURL(path.join(packageRoot(), rel)).href);

describe('bench logic', () => {
  it('stability: steady rounds are stable, noisy rounds are not', async () => {
    const { stability } = await load('bench/lib/interleave.mjs');
    const steady = stability([1.1, 1.12, 1.09, 1.11, 1.1, 1.13, 1.08, 1.1, 1.12, 1.11, 1.09, 1.1]);
    assert.equal(steady.median, 1.1);
    assert.ok(steady.halfGap < 0.05, `half gap ${steady.halfGap}`);
    assert.ok(steady.ciHalfWidth < 0.1, `CI half width ${steady.ciHalfWidth}`);
    const noisy = stability([1.1, 2.0, 0.9, 1.5, 1.2, 3.0, 0.8, 1.1]);
    assert.ok(noisy.halfGap > 0.05 || noisy.ciHalfWidth > 0.1);
    // Halves take rounds two by two, so each half holds both orders (ours first, bare first).
    const byOrder = stability([1, 2, 1, 2, 1, 2, 1, 2]);
    assert.equal(byOrder.halfGap, 0);
  });

  it('label physics: each verdict follows from the bare-pool numbers alone', async () => {
    const { judge } = await load('bench/lib/labelPhysics.mjs');
    const held = judge({ kind: 'cpu-bound', gil: 'held', executor: ['process'] }, { cpuRatio: 0.99, speedups: { 'thread×2': 1.02, 'process×2': 1.9 } });
    assert.deepEqual(held.checks, { kind: true, executor: true, gil: true });
    const released = judge({ kind: 'cpu-bound', gil: 'held', executor: ['process'] }, { cpuRatio: 0.99, speedups: { 'thread×2': 1.95, 'process×2': 1.9 } });
    assert.equal(released.checks.gil, false);
    // A wait is io-bound, and threads win only if no executor of the label comes within 10%.
    const wait = judge({ kind: 'io-bound', executor: ['async'], gil: 'not-applicable' }, { cpuRatio: 0.02, speedups: { 'async×16': 15.1, 'thread×16': 15.6, 'thread×2': 2 } });
    assert.deepEqual(wait.checks, { kind: true, executor: true, gil: true });
    const slowAsync = judge({ kind: 'io-bound', executor: ['async'] }, { cpuRatio: 0.02, speedups: { 'async×16': 2, 'thread×16': 15 } });
    assert.equal(slowAsync.checks.executor, false);
    // No executor beating sequential by 10% means no executor label can be right, but "sequential".
    const none = judge({ executor: ['thread'], tinyTasks: true }, { cpuRatio: 0.9, speedups: { 'thread×2': 0.3, 'process×2': 0.1 } });
    assert.deepEqual(none.checks, { executor: false, tinyTasks: true });
    // One call that keeps more than 1.3 cores busy is parallel inside: sequential is right,
    // a pool label is not, and flat threads say nothing of the GIL.
    const inside = judge({ executor: ['sequential'], parallelInside: true, gil: 'not-applicable' }, { cpuRatio: 1.9, threadCpuRatio: 0.01, speedups: { 'thread×2': 1.03, 'process×2': 0.98 } });
    assert.deepEqual(inside.checks, { executor: true, parallelInside: true, gil: true });
    assert.equal(judge({ executor: ['sequential'] }, { cpuRatio: 0.99, speedups: { 'thread×2': 1.9 } }).checks.executor, false);
    assert.equal(judge({ parallelInside: true }, { cpuRatio: 1.05, speedups: { 'thread×2': 1.9 } }).checks.parallelInside, false);
    const offloaded = judge({ offloadedCpu: true }, { cpuRatio: 0.95, elu: 0.1, speedups: { 'async×2': 1.9 } });
    assert.equal(offloaded.checks.offloadedCpu, true);
  });

  it('labelled suite: ≥ 20 functions across JS, TS and Python, each justified, fixtures present', async () => {
    const { LABELS } = await load('bench/labels.mjs');
    assert.ok(LABELS.length >= 20, `${LABELS.length} labels`);
    const ext = (l: Mod) => path.extname(l.file);
    assert.ok(LABELS.some((l: Mod) => ['.js', '.mjs'].includes(ext(l))), 'JavaScript');
    assert.ok(LABELS.filter((l: Mod) => ext(l) === '.ts').length >= 2, 'TypeScript');
    assert.ok(LABELS.filter((l: Mod) => ext(l) === '.py').length >= 6, 'Python');
    const real = LABELS.filter((l: Mod) => l.file.startsWith('bench/fixtures/'));
    assert.ok(real.length > LABELS.length / 2, `${real.length} of ${LABELS.length} wrap real libraries`);
    for (const l of LABELS) {
      assert.ok(existsSync(path.join(packageRoot(), l.file)), `${l.file} exists`);
      assert.ok(typeof l.why === 'string' && l.why.length > 20, `${l.fn} says why`);
      if (l.kind) assert.ok(['cpu-bound', 'io-bound', 'mixed'].includes(l.kind), `${l.fn} kind`);
      if (l.executor) for (const e of l.executor) assert.ok(['sequential', 'async', 'thread', 'process'].includes(e), `${l.fn} executor ${e}`);
      if (l.gil) assert.ok(ext(l) === '.py', `${l.fn}: a GIL label on a Python function only`);
    }
    const { REAL_CASES } = await load('bench/realCases.mjs');
    assert.ok(REAL_CASES.filter((c: Mod) => c.lang === 'js').length >= 4 && REAL_CASES.filter((c: Mod) => c.lang === 'py').length >= 3);
  });
});
