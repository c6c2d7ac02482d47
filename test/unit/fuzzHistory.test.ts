// Property-based tests of the saved-report loader: checkReport never throws and returns
// either a report with the fields every reader relies on or a one-line reason, and a
// store directory full of hostile files loads without throwing, quarantining the bad ones.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkReport, HistoryStore } from '../../src/engine/historyStore';
import { SCHEMA_VERSION } from '../../src/shared/report';
import { assertNotPolluted, hostileText, MAX_CASE_MS } from './fuzzSupport';

const VALID = {
  schemaVersion: SCHEMA_VERSION,
  id: 'r1',
  createdAt: '2026-11-25T10:00:00.000Z',
  target: { file: '/w/a.js', function: 'f', language: 'javascript', args: [] },
  runs: [],
  verdict: { kind: 'io-bound', confidence: 'high', cpuRatio: 0.1, reasons: [] },
  recommendation: { executor: 'async', workers: 8 },
  environment: { cores: 2 },
};

/** A valid report with one field replaced by something hostile, or removed. */
const mutatedReport = fc
  .tuple(fc.constantFrom(...Object.keys(VALID), '__proto__', 'constructor'), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined), fc.constant(1e308)))
  .map(([key, value]) => {
    const copy: Record<string, unknown> = JSON.parse(JSON.stringify(VALID));
    if (value === undefined) delete copy[key];
    else Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    return JSON.stringify(copy);
  });

const reportText = fc.oneof(hostileText, mutatedReport, mutatedReport.chain((s) => fc.nat({ max: s.length }).map((n) => s.slice(0, n))));

describe('fuzz: saved-report loader', function () {
  this.timeout(120_000);

  it('checkReport returns a usable report or a one-line reason, never throws', () => {
    fc.assert(
      fc.property(reportText, (text) => {
        const t0 = performance.now();
        const r = checkReport(text);
        assert.ok(performance.now() - t0 < MAX_CASE_MS);
        if (typeof r === 'string') {
          assert.ok(r.length > 0 && !r.includes('\n'), JSON.stringify(r));
        } else {
          assert.equal(r.schemaVersion, SCHEMA_VERSION);
          assert.ok(typeof r.id === 'string' && r.id.length > 0);
          assert.ok(!Number.isNaN(Date.parse(r.createdAt)));
          assert.ok(Array.isArray(r.runs) && typeof r.target.file === 'string' && typeof r.target.function === 'string');
        }
        assertNotPolluted();
      }),
      { numRuns: 400 },
    );
  });

  it('a store of hostile files loads without throwing; corrupt files go to quarantine', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(reportText, { minLength: 1, maxLength: 6 }), async (texts) => {
        const dir = mkdtempSync(join(tmpdir(), 'wp-fuzz-history-'));
        try {
          texts.forEach((t, i) => writeFileSync(join(dir, `r${i}.report.json`), t));
          const { reports, problems } = await new HistoryStore(dir, 50).load();
          assert.equal(reports.length + problems.length, texts.length);
          const corrupt = problems.filter((p) => p.kind === 'corrupt').length;
          if (corrupt) assert.equal(readdirSync(join(dir, 'quarantine')).length, corrupt);
          for (const p of problems) assert.ok(!p.detail.includes('\n'), p.detail);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});
