import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore, checkReport, fileNameFor } from '../../src/engine/historyStore';
import { SCHEMA_VERSION, type Report } from '../../src/shared/report';
import { sampleReport } from './helpers/sampleReport';

function report(id: string, createdAt: string, fn = 'fib'): Report {
  return sampleReport({ id, createdAt, target: { file: '/w/cpu.js', function: fn, language: 'javascript', args: [20] } });
}

describe('HistoryStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wp-history-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips reports newest first, and an empty or missing dir loads as empty', async () => {
    const missing = new HistoryStore(join(dir, 'not-yet'), 10);
    assert.deepEqual(await missing.load(), { reports: [], problems: [] });
    const store = new HistoryStore(dir, 10);
    await store.add(report('a', '2024-01-01T00:00:00.000Z'));
    await store.add(report('b', '2024-01-02T00:00:00.000Z'));
    const { reports, problems } = await store.load();
    assert.deepEqual(reports.map((r) => r.id), ['b', 'a']);
    assert.deepEqual(problems, []);
  });

  it('quarantines a corrupt file and keeps every other report', async () => {
    const store = new HistoryStore(dir, 10);
    await store.add(report('good1', '2024-01-01T00:00:00.000Z'));
    await store.add(report('good2', '2024-01-02T00:00:00.000Z'));
    await writeFile(join(dir, fileNameFor('broken')), '{"schemaVersion": 1, "id": "bro', 'utf8');
    await writeFile(join(dir, fileNameFor('shape')), JSON.stringify({ schemaVersion: SCHEMA_VERSION, id: 'shape' }), 'utf8');

    const { reports, problems } = await store.load();
    assert.deepEqual(reports.map((r) => r.id), ['good2', 'good1']);
    assert.deepEqual(problems.map((p) => p.kind).sort(), ['corrupt', 'corrupt']);
    // Moved aside, not deleted: the user can still recover them by hand.
    assert.equal((await readdir(join(dir, 'quarantine'))).length, 2);
    // A second load finds nothing left to complain about.
    assert.deepEqual((await store.load()).problems, []);
  });

  it('skips an unknown schema version without deleting it or losing the others', async () => {
    const store = new HistoryStore(dir, 10);
    await store.add(report('current', '2024-01-01T00:00:00.000Z'));
    const future = { ...report('future', '2030-01-01T00:00:00.000Z'), schemaVersion: SCHEMA_VERSION + 1 };
    const futureFile = join(dir, fileNameFor('future'));
    await writeFile(futureFile, JSON.stringify(future), 'utf8');

    const { reports, problems } = await store.load();
    assert.deepEqual(reports.map((r) => r.id), ['current']);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].kind, 'unknown-version');
    assert.equal(JSON.parse(await readFile(futureFile, 'utf8')).id, 'future');
    // clear() removes only what this version owns.
    await store.clear();
    assert.deepEqual((await store.load()).reports, []);
    assert.equal(JSON.parse(await readFile(futureFile, 'utf8')).id, 'future');
  });

  it('ignores the temp file of a killed write and removes it once stale', async () => {
    const store = new HistoryStore(dir, 10);
    await store.add(report('kept', '2024-01-01T00:00:00.000Z'));
    // What a write killed between writeFile and rename leaves behind: a partial temp file.
    const temp = join(dir, `${fileNameFor('killed')}.abcd1234.tmp`);
    await writeFile(temp, '{"schemaVersion":1,"id":"kil', 'utf8');

    let loaded = await store.load();
    assert.deepEqual(loaded.reports.map((r) => r.id), ['kept']);
    assert.deepEqual(loaded.problems, []);
    assert.ok((await readdir(dir)).some((n) => n.endsWith('.tmp')), 'a fresh temp file may belong to a write in progress');

    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(temp, old, old);
    loaded = await store.load();
    assert.deepEqual(loaded.reports.map((r) => r.id), ['kept']);
    assert.ok(!(await readdir(dir)).some((n) => n.endsWith('.tmp')));
  });

  it('keeps only the newest reports up to the limit, and a lowered limit applies on the next save', async () => {
    const store = new HistoryStore(dir, 3);
    const dropped: string[] = [];
    for (let day = 1; day <= 5; day++) {
      dropped.push(...(await store.add(report(`r${day}`, `2024-01-0${day}T00:00:00.000Z`))));
    }
    assert.deepEqual(dropped, ['r1', 'r2']);
    assert.deepEqual((await store.load()).reports.map((r) => r.id), ['r5', 'r4', 'r3']);

    store.setLimit(1);
    await store.add(report('r6', '2024-01-06T00:00:00.000Z'));
    assert.deepEqual((await store.load()).reports.map((r) => r.id), ['r6']);
    assert.throws(() => store.setLimit(0), RangeError);
  });

  it('removes a single report by id', async () => {
    const store = new HistoryStore(dir, 10);
    await store.add(report('x', '2024-01-01T00:00:00.000Z'));
    await store.add(report('y', '2024-01-02T00:00:00.000Z'));
    await store.remove('x');
    assert.deepEqual((await store.load()).reports.map((r) => r.id), ['y']);
  });

  it('never lets a report id escape the directory', () => {
    assert.equal(fileNameFor('../../etc/passwd'), '______etc_passwd.report.json');
  });

  it('checkReport explains what is wrong in one line', () => {
    assert.match(checkReport('nope') as string, /^not JSON/);
    assert.match(checkReport('[]') as string, /not a JSON object/);
    assert.match(checkReport(JSON.stringify({ schemaVersion: 99 })) as string, /^schemaVersion 99/);
    assert.equal(typeof checkReport(JSON.stringify(report('ok', '2024-01-01T00:00:00.000Z'))), 'object');
  });
});
