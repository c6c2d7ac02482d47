// Saved results under a write that is really killed: a child process saves large
// reports in a loop and gets SIGKILLed at an arbitrary moment. Every report it had
// finished saving must load, none may be half-written, and the runs saved before it
// started must be untouched. (historyStore.test.ts covers corrupt files, unknown schema
// versions and a simulated leftover temp file.)
//
// This file is also the writer: run directly with WP_FAULTS_HISTORY_WRITER=<dir>, it
// saves reports until it is killed, printing "> id" as a save starts and "id" once it
// has returned.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/engine/historyStore';
import { SCHEMA_VERSION, type Report } from '../../src/shared/report';
import { sampleEnvironment, sampleReport } from '../unit/helpers/sampleReport';

function report(id: string, createdAt: Date, padding = 0): Report {
  return sampleReport({
    id,
    createdAt: createdAt.toISOString(),
    environment: sampleEnvironment({ node: process.version }),
    // A big timeline makes each write take long enough for the kill to land inside one.
    timeline: { intervalMs: 50, cores: [Array.from({ length: padding }, (_, i) => (i % 100) / 100)], marks: [] },
  });
}

async function writeUntilKilled(dir: string): Promise<never> {
  const store = new HistoryStore(dir, 1000);
  for (let i = 0; ; i++) {
    const id = `killed-writer-${i}`;
    process.stdout.write(`> ${id}\n`);
    await store.add(report(id, new Date(Date.UTC(2025, 0, 1, 0, 0, i)), 400_000));
    process.stdout.write(`${id}\n`);
  }
}

if (process.env.WP_FAULTS_HISTORY_WRITER) {
  void writeUntilKilled(process.env.WP_FAULTS_HISTORY_WRITER);
} else {
  describe('fault table: saved results under a killed write', function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'wp-faults-history-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a writer killed mid-save loses nothing it saved and corrupts nothing', async () => {
      const store = new HistoryStore(dir, 1000);
      const earlier = ['saved-1', 'saved-2', 'saved-3'];
      for (const [i, id] of earlier.entries()) await store.add(report(id, new Date(Date.UTC(2024, 0, i + 1))));

      for (let round = 0; round < 3; round++) {
        const writer = spawn(process.execPath, [__filename], {
          env: { ...process.env, WP_FAULTS_HISTORY_WRITER: dir },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const acknowledged: string[] = [];
        let started = 0;
        let buffered = '';
        // Let it finish a few saves, then kill it the moment the next save's temp file
        // appears: in the middle of writing it.
        const killed = new Promise<string>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('the writer saved nothing')), 30_000);
          writer.stdout.on('data', (d) => {
            buffered += d;
            const lines = buffered.split('\n');
            buffered = lines.pop()!;
            for (const line of lines.filter(Boolean)) {
              if (!line.startsWith('> ')) acknowledged.push(line);
              else if (++started === 3 + round) {
                clearTimeout(t);
                const deadline = Date.now() + 10_000;
                const poll = () => {
                  const temp = readdirSync(dir).find((n) => n.endsWith('.tmp'));
                  if (temp || Date.now() > deadline) {
                    writer.kill('SIGKILL');
                    resolve(temp ?? '');
                  } else setImmediate(poll);
                };
                poll();
              }
            }
          });
        });
        const tempAtKill = await killed;
        assert.ok(tempAtKill, 'the kill landed while a temp file was being written');
        await new Promise((r) => writer.once('exit', r));

        const { reports, problems } = await store.load();
        const ids = new Set(reports.map((r) => r.id));
        assert.deepEqual(problems, [], 'no half-written report');
        for (const id of [...earlier, ...acknowledged]) assert.ok(ids.has(id), `${id} survived the kill`);
        assert.ok(reports.every((r) => r.schemaVersion === SCHEMA_VERSION && r.verdict.kind === 'cpu-bound'));
        assert.ok(readdirSync(dir).filter((n) => n.endsWith('.report.json')).length === reports.length, 'every report file loads');
      }
    });
  });
}
