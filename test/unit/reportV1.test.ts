// Reports saved by schema v1 (text only, no findings) still load and render. The fixture
// test/fixtures/report-v1.json was produced by the v1 classifier itself.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { checkReport, fileNameFor, HistoryStore } from '../../src/engine/historyStore';
import { formatMarkdown, formatText, recommendationLine } from '../../src/shared/formatReport';
import { SCHEMA_VERSION, type Report } from '../../src/shared/report';
import { explain } from '../../src/webview/explain';
import { caveatTextOf, reasonsOf, recommendationReasonOf, verdictLine } from '../../src/shared/wording';
import { packageRoot } from '../../src/engine/paths';

const text = readFileSync(join(packageRoot(), 'test', 'fixtures', 'report-v1.json'), 'utf8');

describe('schema v1 reports', () => {
  it('pass the loader check, and a future version does not', () => {
    const r = checkReport(text);
    assert.equal(typeof r, 'object', String(r));
    assert.equal((r as Report).schemaVersion, 1);
    const future = JSON.stringify({ ...JSON.parse(text), schemaVersion: SCHEMA_VERSION + 1 });
    assert.match(checkReport(future) as string, /^schemaVersion 3 is not between 1 and 2/);
  });

  it('load from the history folder next to v2 reports, with no problem reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wp-v1-'));
    try {
      const v1 = JSON.parse(text) as Report;
      await writeFile(join(dir, fileNameFor(v1.id)), text, 'utf8');
      const store = new HistoryStore(dir, 10);
      const { reports, problems } = await store.load();
      assert.deepEqual(problems, []);
      assert.equal(reports.length, 1);
      assert.equal(reports[0].schemaVersion, 1);
      assert.equal(reports[0].verdict.kind, 'cpu-bound');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('render their stored text: reasons, recommendation reason and caveats', () => {
    const r = checkReport(text) as Report;
    assert.equal(r.verdict.findings, undefined);
    assert.deepEqual(reasonsOf(r), r.verdict.reasons);
    assert.equal(recommendationReasonOf(r), r.recommendation.reason);
    for (const c of r.caveats) assert.equal(caveatTextOf(r, c), c.message);
    const out = formatText(r).replace(/\s+/g, ' ');
    for (const reason of r.verdict.reasons) assert.ok(out.includes(reason), reason);
    assert.ok(out.includes(r.recommendation.reason));
    assert.ok(!out.includes('Scalability model'), 'no fits in a v1 report');
    assert.match(recommendationLine(r), /^Use a ProcessPoolExecutor, \d+ process(es)?: expected \d/);
    const md = formatMarkdown(r);
    assert.ok(md.includes('## Why'));
    assert.match(verdictLine(r), /^CPU-bound · processes×\d+ → \d/);
    assert.ok(explain(r).length > 0);
  });
});
