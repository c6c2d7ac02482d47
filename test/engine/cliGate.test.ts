// The CI gate on `profile`: real profiles of a 50 ms timer wait (I/O-bound, async scales
// nearly ×K, so the expectations below hold with wide margins on a busy machine), exit
// code 4 with one line per failed expectation, and the outputs written all the same.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import type { Report } from '../../src/shared/report';
import { cli, errorLines, scaled, tightened } from './cliSupport';

const root = packageRoot();
const timerWait = path.join(root, 'test/fixtures/verdict/timerWait.mjs');
const busyLoop = path.join(root, 'test/fixtures/verdict/busyLoop.js');
const profileArgs = (file: string, fn: string, ...extra: string[]) => ['profile', file, fn, '--budget', '2', '--executors', 'sequential,async', ...extra];
const failed = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('expectation failed:'));
const met = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('expectation met:'));

describe('CLI gate (--expect, --min-speedup, --max-regression)', function () {
  this.timeout(120_000);
  let dir: string;
  let base: Report;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wp-gate-'));
    const out = path.join(dir, 'base.json');
    const r = cli(profileArgs(timerWait, 'timerWait', '--out', out));
    assert.equal(r.code, 0, r.stderr);
    base = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(base.verdict.kind, 'io-bound', 'the fixture is the I/O-bound one these tests rely on');
  });

  it('exits 0 and lists each expectation met when the report meets them all', () => {
    const baseline = path.join(dir, 'slower-baseline.json');
    writeFileSync(baseline, JSON.stringify(scaled(base, 0.25)));
    const r = cli(
      profileArgs(timerWait, 'timerWait', '--expect', 'kind=io-bound', '--expect', 'executor=async,thread', '--expect', 'gil=not-applicable', '--min-speedup', 'async:1.5', '--max-regression', '10%', '--baseline', baseline),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(failed(r.stderr), []);
    assert.equal(met(r.stderr).length, 5, r.stderr);
    assert.match(r.stderr, /expectation met: --min-speedup async:1.5: the best async speedup is \d/);
  });

  it('--expect kind: exits 4 for each kind the verdict is not, one line each, outputs still written', () => {
    const out = path.join(dir, 'gated.json');
    const md = path.join(dir, 'gated.md');
    const r = cli(profileArgs(timerWait, 'timerWait', '--expect', 'kind=cpu-bound', '--expect', 'kind=mixed', '--out', out, '--md', md));
    assert.equal(r.code, 4, r.stderr);
    assert.deepEqual(failed(r.stderr), [
      `expectation failed: --expect kind=cpu-bound: the verdict is io-bound (confidence ${Math.round(JSON.parse(readFileSync(out, 'utf8')).verdict.confidence * 100)}%)`,
      `expectation failed: --expect kind=mixed: the verdict is io-bound (confidence ${Math.round(JSON.parse(readFileSync(out, 'utf8')).verdict.confidence * 100)}%)`,
    ]);
    assert.match(r.stdout, /I\/O-bound|io-bound/i, 'the text report is printed before the gate');
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).target.function, 'timerWait');
    assert.match(readFileSync(md, 'utf8'), /timerWait/);
  });

  it('--expect kind=cpu-bound passes on a busy loop, and kind=io-bound fails there with exit 4', () => {
    const ok = cli(['profile', busyLoop, 'busyLoop', '--budget', '2', '--executors', 'sequential,thread', '--expect', 'kind=cpu-bound,mixed']);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = cli(['profile', busyLoop, 'busyLoop', '--budget', '2', '--executors', 'sequential,thread', '--expect', 'kind=io-bound']);
    assert.equal(bad.code, 4, bad.stderr);
    assert.equal(failed(bad.stderr).length, 1);
    assert.match(failed(bad.stderr)[0], /^expectation failed: --expect kind=io-bound: the verdict is (cpu-bound|mixed) /);
  });

  it('--expect executor, --expect gil and --min-speedup: exit 4, one line per failed expectation', () => {
    const r = cli(profileArgs(timerWait, 'timerWait', '--expect', 'executor=process', '--expect', 'gil=held', '--min-speedup', 'async:1000', '--min-speedup', 'thread:1.2', '--expect', 'kind=io-bound'));
    assert.equal(r.code, 4, r.stderr);
    const lines = failed(r.stderr);
    assert.equal(lines.length, 4, r.stderr);
    assert.match(lines[0], /^expectation failed: --expect executor=process: the recommendation is async × \d+ \(expected [\d.]+×\)$/);
    assert.match(lines[1], /^expectation failed: --expect gil=held: the GIL verdict is not-applicable$/);
    assert.match(lines[2], /^expectation failed: --min-speedup async:1000: the best async speedup is [\d.]+× at async × \d+ \(95% interval [\d.]+–[\d.]+×\)$/);
    assert.match(lines[3], /^expectation failed: --min-speedup thread:1.2: thread was not measured$/);
    assert.equal(met(r.stderr).length, 1);
  });

  it('--max-regression fails (exit 4) against a baseline a hundred times faster, naming both numbers', () => {
    // The new run is real, and its intervals may be wide on a busy machine: a hundredfold
    // drop is told apart from noise even with intervals of ×10 either way.
    const baseline = path.join(dir, 'faster-baseline.json');
    writeFileSync(baseline, JSON.stringify(scaled(tightened(base), 100)));
    const html = path.join(dir, 'regressed.html');
    const r = cli(profileArgs(timerWait, 'timerWait', '--max-regression', '10%', '--baseline', baseline, '--html', html));
    assert.equal(r.code, 4, r.stderr);
    const lines = failed(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^expectation failed: --max-regression 10%: slower than the baseline by more than 10%: sequential [\d.,]+ → [\d.,]+ calls\/s \(-9\d%/);
    assert.ok(existsSync(html), 'the HTML report is written even when the gate fails');
  });

  const badOptions: [string, string[], RegExp][] = [
    ['an --expect without =', ['--expect', 'cpu-bound'], /--expect takes key=value/],
    ['an unknown --expect key', ['--expect', 'color=red'], /--expect: unknown key "color"; use one of kind, executor, gil/],
    ['an unknown kind', ['--expect', 'kind=fast'], /--expect kind: "fast" is not one of cpu-bound, io-bound, mixed/],
    ['--min-speedup without a factor', ['--min-speedup', 'thread'], /--min-speedup takes executor:factor/],
    ['--min-speedup on sequential', ['--min-speedup', 'sequential:2'], /"sequential" is not one of async, thread, process, best/],
    ['--max-regression without %', ['--max-regression', 'ten'], /--max-regression takes a percentage/],
    ['--max-regression without --baseline', ['--max-regression', '10%'], /--max-regression needs --baseline/],
    ['--baseline without --max-regression', ['--baseline', 'x.json'], /--baseline is only used by --max-regression/],
    ['a missing baseline', ['--max-regression', '5%', '--baseline', '/nonexistent/base.json'], /Report not found: \/nonexistent\/base\.json/],
  ];
  for (const [what, extra, message] of badOptions) {
    it(`exits 2 before profiling on ${what}`, () => {
      const r = cli(['profile', timerWait, 'timerWait', ...extra]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '', 'nothing was profiled');
      const errors = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0], message);
    });
  }

  it('exits 2 before profiling on a baseline of another function', () => {
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ ...base, target: { ...base.target, function: 'busyLoop' } }));
    const r = cli(['profile', timerWait, 'timerWait', '--max-regression', '5%', '--baseline', other]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(errorLines(r.stderr)[0], /--baseline .*other\.json is a report of busyLoop, not timerWait\./);
  });
});
