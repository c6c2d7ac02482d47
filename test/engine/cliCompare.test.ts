// `workload-profiler compare` as a user runs it: a real profile gives the OLD report,
// and NEW reports are that report with its measured numbers edited, so each case has a
// known right answer however noisy the shared machine was during the real run.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Comparison } from '../../src/analysis/compare';
import { packageRoot } from '../../src/engine/paths';
import type { Report } from '../../src/shared/report';
import { cli, errorLines, scaled, tightened } from './cliSupport';

const root = packageRoot();

describe('CLI compare', function () {
  this.timeout(120_000);
  let dir: string;
  let base: Report;
  const write = (name: string, data: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    return file;
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wp-compare-'));
    const out = path.join(dir, 'old.json');
    const r = cli(['profile', path.join(root, 'test/fixtures/verdict/timerWait.mjs'), 'timerWait', '--budget', '3', '--executors', 'sequential,async', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    base = JSON.parse(readFileSync(out, 'utf8'));
    assert.ok(base.runs.length >= 2, 'the real run measured a baseline and async points');
  });

  it('calls a fourfold throughput gain faster at every shared point, and a quarter slower', () => {
    const narrow = tightened(base);
    const old = write('narrow.json', narrow);
    const faster = cli(['compare', old, write('faster.json', scaled(narrow, 4)), '--json']);
    assert.equal(faster.code, 0, faster.stderr);
    const up: Comparison = JSON.parse(faster.stdout);
    assert.equal(up.points.length, base.runs.length);
    for (const p of up.points) {
      assert.equal(p.throughput.call, 'faster', JSON.stringify(p));
      assert.ok(Math.abs(p.throughput.ratio - 4) < 1e-3);
      // ±5% on each side, combined: the interval is about ×4 ± 7%.
      assert.ok(p.throughput.ci[0] > 3.5 && p.throughput.ci[0] < 4 && p.throughput.ci[1] > 4 && p.throughput.ci[1] < 4.5, `interval ${p.throughput.ci}`);
      // Speedups were left as they were: the same scaling, so no change there.
      if (p.speedup) assert.equal(p.speedup.call, 'no-change');
    }
    assert.equal(up.summary.baseline?.call, 'faster');
    assert.equal(up.summary.best?.call, 'faster');
    assert.deepEqual(up.headline, []);

    const slower = cli(['compare', old, write('slower.json', scaled(narrow, 0.25))]);
    assert.equal(slower.code, 0, slower.stderr);
    assert.match(slower.stdout, /Same verdict, GIL verdict and recommendation\./);
    assert.match(slower.stdout, /One call at a time \(sequential\): .* -75%.*: slower\./);
    const rows = slower.stdout.split('\n').filter((l) => /^(sequential|async) × \d+/.test(l));
    assert.equal(rows.length, base.runs.length, slower.stdout);
    for (const row of rows) assert.match(row, /-75% \[.*\]\s+slower/);
  });

  it('calls an unchanged report "no clear change" everywhere', () => {
    const again = scaled(base, 1);
    const r = cli(['compare', write('old.json', base), write('same.json', again), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const c: Comparison = JSON.parse(r.stdout);
    for (const p of c.points) {
      assert.equal(p.throughput.call, 'no-change');
      assert.ok(p.throughput.ci[0] < 1 && p.throughput.ci[1] > 1);
    }
    assert.equal(c.summary.baseline?.call, 'no-change');
    assert.deepEqual(c.onlyInOld, []);
  });

  it('puts a changed verdict and recommendation first, in text and Markdown', () => {
    const changed = scaled(base, 1);
    changed.verdict.kind = base.verdict.kind === 'cpu-bound' ? 'io-bound' : 'cpu-bound';
    changed.recommendation = { ...base.recommendation, executor: 'process', workers: 3 };
    const dropped = changed.runs.find((r) => r.executor !== 'sequential')!;
    changed.runs = changed.runs.filter((r) => r !== dropped);
    const old = write('old.json', base);
    const neu = write('changed.json', changed);

    const text = cli(['compare', old, neu]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n').filter(Boolean);
    assert.match(lines[1], new RegExp(`^! Verdict changed: ${base.verdict.kind} → ${changed.verdict.kind}$`));
    assert.match(lines[2], new RegExp(`^! Recommendation changed: ${base.recommendation.executor} × ${base.recommendation.workers} → process × 3$`));
    assert.ok(text.stdout.includes(`Only in the old report: ${dropped.executor} × ${dropped.concurrency}.`), text.stdout);

    const md = cli(['compare', old, neu, '--markdown']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^### Workload profile comparison: `timerWait`/);
    assert.match(md.stdout, /> \*\*Verdict changed: .* → .*\*\*/);
    assert.match(md.stdout, /\| executor × K \| calls\/s old → new \|/);

    const json: Comparison = JSON.parse(cli(['compare', old, neu, '--json']).stdout);
    assert.deepEqual(
      json.headline.map((x) => x.what),
      ['verdict', 'recommendation'],
    );
  });

  it('reads schemaVersion 2 reports with fields it does not know', () => {
    const v2 = { ...scaled(base, 1), schemaVersion: 2, futureField: { anything: [1, 2] } };
    const r = cli(['compare', write('old.json', base), write('v2.json', v2), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Comparison).new.schemaVersion, 2);
  });

  const badInputs: [string, () => string[], RegExp][] = [
    ['a missing file', () => ['compare', write('old.json', base), path.join(dir, 'nope.json')], /Report not found: .*nope\.json/],
    ['a file that is not JSON', () => ['compare', write('old.json', base), write('notes.md', '# notes\n')], /notes\.md is not JSON/],
    ['JSON that is not a report', () => ['compare', write('old.json', base), write('other.json', { name: 'x' })], /other\.json is not a Workload Profiler report: it has no schemaVersion/],
    ['a report from a newer schema', () => ['compare', write('old.json', base), write('v9.json', { ...base, schemaVersion: 9 })], /schemaVersion 9 is not one this version reads/],
    [
      'reports of different functions',
      () => ['compare', write('old.json', base), write('fn.json', { ...base, target: { ...base.target, function: 'otherFn' } })],
      /different functions \(timerWait and otherFn\)/,
    ],
    ['--json with --markdown', () => ['compare', write('old.json', base), write('b.json', base), '--json', '--markdown'], /Choose one of --json and --markdown/],
  ];
  for (const [what, args, message] of badInputs) {
    it(`exits 2 with a one-line error on ${what}`, () => {
      const r = cli(args());
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      const errors = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0], message);
    });
  }
});
