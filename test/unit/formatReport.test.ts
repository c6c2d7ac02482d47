import assert from 'node:assert/strict';
import { classify } from '../../src/analysis/index';
import { formatMarkdown, formatText, recommendationLine } from '../../src/shared/formatReport';
import { SCHEMA_VERSION, type Report } from '../../src/shared/report';
import { reasonsOf } from '../../src/shared/wording';
import { synthesize, type WorkloadModel } from './synthetic';

/** A Report as the orchestrator would build it, around synthetic runs and the real classifier. */
function reportFor(model: WorkloadModel, target: Partial<Report['target']> = {}): Report {
  const input = synthesize(model);
  const analysis = classify(input);
  const python = input.language === 'python';
  return {
    schemaVersion: SCHEMA_VERSION,
    id: '5b0f6c2e-9f3a-4c1e-8d7a-2f1e3c4b5a69',
    createdAt: '2025-11-25T20:15:00.000Z',
    durationMs: 14_820,
    budgetMs: 15_000,
    target: { file: 'examples/hash.js', function: 'hashPassword', language: input.language, args: ['$i'], isAsync: input.isAsync, ...target },
    environment: {
      cores: input.cores,
      platform: 'linux',
      arch: 'x64',
      node: 'v20.19.0',
      cpuModel: 'AMD EPYC 7763 64-Core Processor',
      totalMemoryMb: 7940,
      backgroundLoad: input.background,
      uvThreadpoolSize: input.uvThreadpoolSize,
      ...(python ? { python: { executable: '/usr/bin/python3', version: '3.11.2', gilEnabled: input.python!.gilEnabled, startMethod: 'spawn' } } : {}),
    },
    probe: { wallMs: input.probe.wallMs, cpuMs: input.probe.cpuMs, cpuSource: python ? 'time.thread_time_ns' : 'process.threadCpuUsage' },
    runs: input.runs,
    timeline: {
      intervalMs: 50,
      cores: Array.from({ length: input.cores }, () => [0.1, 0.98, 0.99, 0.97]),
      marks: [{ executor: 'sequential', concurrency: 1, startMs: 0, endMs: 1000 }],
    },
    verdict: analysis.verdict,
    recommendation: analysis.recommendation,
    caveats: analysis.caveats,
    scaling: analysis.scaling,
  };
}

describe('formatText', () => {
  const report = reportFor({ computeMs: 20, cores: 2, noise: 0.05, seed: 11, errorRate: 0.1 });
  const text = formatText(report);

  it('puts the verdict and the recommendation line first', () => {
    const lines = text.split('\n');
    assert.match(lines[0], /^Workload Profiler: hashPassword in examples\/hash\.js \(javascript\)$/);
    assert.match(lines[2], /^Verdict: cpu-bound \(confidence \d+%\)$/);
    assert.match(lines[3], /^Recommendation: Use worker threads, 2 workers: expected [12]\.\d+×$/);
    assert.match(lines[4], /formula: 2 workers/);
    assert.equal(recommendationLine(report), lines[3].replace('Recommendation: ', ''));
  });

  it('lists every reason and the recommendation reason', () => {
    for (const r of report.verdict.reasons) assert.ok(text.replace(/\s+/g, ' ').includes(r), r);
    assert.ok(text.replace(/\s+/g, ' ').includes(report.recommendation.reason));
  });

  it('prints a run table with aligned columns, one row per run', () => {
    const lines = text.split('\n');
    const header = lines.findIndex((l) => /^ {2}executor\s+K\s+tasks\s+throughput\/s\s+speedup \[95% CI\]\s+CPU\/task\s+util \(cores\)\s+errors\s+noisy$/.test(l));
    assert.ok(header > 0, 'table header');
    const rows = lines.slice(header + 1, header + 1 + report.runs.length);
    assert.equal(rows.length, report.runs.length);
    report.runs.forEach((r, i) => assert.ok(rows[i].trimStart().startsWith(r.executor), rows[i]));
    // Aligned: the speedup column starts at the same offset on every row.
    const col = lines[header].indexOf('speedup');
    for (const row of rows) assert.match(row.slice(col), /^\d+\.\d+× \[/);
    assert.match(rows[0], /1\.0× \[1\.0×–1\.0×\]/);
    assert.match(rows.join('\n'), /\d+ \(10%\)/);
  });

  it('ends with the environment and the caveats', () => {
    assert.match(text, /Environment\n {2}2 cores \(AMD EPYC 7763 64-Core Processor\), linux x64, 8 GB, Node v20\.19\.0, UV_THREADPOOL_SIZE 4/);
    assert.match(text, /Background load before the run: 0\.05 cores busy \(3%\)/);
    assert.match(text, /CPU time source: process\.threadCpuUsage; core utilisation sampled every 50 ms/);
    const err = report.caveats.find((c) => c.code === 'run-errors' && c.data?.point === 'sequential:1')!;
    assert.equal(err.level, 'warning');
    assert.ok(text.slice(text.indexOf('Caveats\n')).replace(/\s+/g, ' ').includes(`! ${err.message}`), 'the error caveat is listed as a warning');
    assert.ok(text.indexOf('Environment') > text.indexOf('Runs'));
  });

  it('is plain without color and uses ANSI with it', () => {
    assert.ok(!text.includes('\x1b['));
    const colored = formatText(report, { color: true });
    assert.ok(colored.includes('\x1b[1mVerdict:\x1b[22m'));
    assert.equal(colored.replace(/\x1b\[\d+m/g, ''), text);
  });

  it('keeps prose within 100 columns', () => {
    const tableStart = text.indexOf('Runs\n');
    const tableEnd = text.indexOf('Environment\n');
    const prose = text.slice(0, tableStart) + text.slice(tableEnd);
    for (const line of prose.split('\n')) assert.ok(line.length <= 100 || !line.includes(' ', 4), `too long: ${line}`);
  });

  it('names Python executors and the GIL, batching and stand-in runs', () => {
    const py = reportFor({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05, noise: 0, seed: 1 }, { file: 'examples/primes.py', function: 'count_primes' });
    py.runs[1].note = 'asyncio.to_thread (a plain def cannot be awaited)';
    const t = formatText(py);
    assert.match(t, /Verdict: cpu-bound \(confidence \d+%; GIL held\)/);
    assert.match(t, /Recommendation: Use a ProcessPoolExecutor, 2 processes: expected 1\.9\d?×/);
    assert.match(t, /Python 3\.11\.2 \(\/usr\/bin\/python3\), GIL enabled, process start method spawn/);
    assert.match(t, /\* thread ×\d+: asyncio\.to_thread/);

    const tiny = reportFor({ computeMs: 0.03, noise: 0, seed: 1 });
    assert.match(formatText(tiny), /Recommendation: Use worker threads, 2 workers, \d+ calls per task: estimated 1\.9\d?×/);
    assert.match(formatText(tiny), /tiny tasks/);
  });
});

describe('formatMarkdown', () => {
  const report = reportFor({ offloadMs: 30, computeMs: 0.2, isAsync: true, noise: 0.15, seed: 3 });
  const md = formatMarkdown(report);

  it('has the same sections as the text report', () => {
    assert.match(md, /^# Workload profile: `hashPassword`\n/);
    assert.match(md, /\*\*Verdict:\*\* cpu-bound \(confidence \d+%; CPU offloaded\) {2}\n/);
    assert.match(md, /\*\*Recommendation:\*\* Use async concurrency, 2 calls in flight: expected [12]\.\d+× {2}\n/);
    for (const h of ['## Why', '## Runs', '## Environment']) assert.ok(md.includes(`\n${h}\n`), h);
    assert.ok(md.indexOf('## Why') < md.indexOf('## Runs') && md.indexOf('## Runs') < md.indexOf('## Environment'));
  });

  it('renders runs as a Markdown table with one row per run', () => {
    const lines = md.split('\n');
    const header = lines.findIndex((l) => l.startsWith('| Executor | K |'));
    assert.match(lines[header + 1], /^\|---\|--:\|/);
    const rows = lines.slice(header + 2).filter((l) => l.startsWith('| '));
    assert.equal(rows.length, report.runs.length);
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 11, row);
  });

  it('escapes Markdown in user-derived text', () => {
    const r = reportFor({ computeMs: 20, noise: 0, seed: 1, errorRate: 0.2 });
    r.caveats.push({ level: 'warning', message: 'threw: a|b *bold* <script>' });
    const out = formatMarkdown(r);
    assert.ok(out.includes('a\\|b \\*bold\\* \\<script\\>'));
    assert.ok(!out.includes('<script>'));
  });

  it('lists caveats with their level', () => {
    const busy = reportFor({ computeMs: 20, noise: 0, seed: 1, background: { busy: true, busyCores: 1.2, utilization: 0.6 } });
    busy.caveats.push({ level: 'info', message: 'Few calls were measured.' });
    const out = formatMarkdown(busy);
    const bg = busy.caveats.find((c) => c.code === 'background-busy')!;
    assert.ok(out.includes(`## Caveats\n\n- **Warning:** ${bg.message.replace(/([*_`<>[\]])/g, '\\$1')}`), out.slice(out.indexOf('## Caveats')));
    assert.match(out, /\n- Note: Few calls were measured\.\n$/);
  });
});

describe('the scalability model and "at least K" in the renderings', () => {
  it('lists each fit with its projections, labelled as a model estimate', () => {
    const report = reportFor({ computeMs: 20, cores: 2, noise: 0, seed: 1 });
    const text = formatText(report);
    assert.match(text, /Scalability model \(Universal Scalability Law; projections are model estimates\)/);
    const md = formatMarkdown(report);
    assert.ok(md.includes('\n## Scalability model\n'));
    const thread = report.scaling!.find((s) => s.executor === 'thread')!;
    // Every projection's speedup appears with one formatter.
    for (const p of thread.projections) assert.ok(text.includes(`${p.cores} cores ${p.speedup >= 10 ? p.speedup.toFixed(1) : String(Math.round(p.speedup * 100) / 100).replace(/(\.\d)0$/, '$1')}`), `${p.cores}: ${p.speedup}`);
  });

  it('says "at least K" in the recommendation line when the ladder was cut while scaling', () => {
    const report = reportFor({ isAsync: true, waitMs: 1000, computeMs: 0.05, ladders: { async: [1, 2, 4, 8, 16, 32], thread: [1, 2, 4] }, stops: { async: 'budget' }, noise: 0.05, seed: 1, windowMs: 4000 });
    assert.equal(report.recommendation.atLeast, true);
    assert.match(recommendationLine(report), /^Use async concurrency, at least 32 calls in flight: expected at least \d+(\.\d)?× \(still scaling; about \d+ by extrapolation\)$/);
  });

  it('renders the verdict from the findings, identical to the stored text', () => {
    const report = reportFor({ language: 'python', computeMs: 20, gil: 'held', serializationMs: 0.05, noise: 0.05, seed: 2 });
    assert.deepEqual(reasonsOf(report), report.verdict.reasons);
  });
});

describe('the distributed queue in the renderings', () => {
  const base = reportFor({ computeMs: 20, cores: 2, noise: 0.05, seed: 11 });
  const process2 = base.runs.find((r) => r.executor === 'process') ?? base.runs[base.runs.length - 1];
  const withDist: Report = {
    ...base,
    runs: [
      ...base.runs,
      {
        ...process2,
        executor: 'distributed',
        concurrency: 4,
        distributed: { workers: 3, remoteWorkers: 1, concurrencyPerWorker: 2, queueWaitMs: 1.25, runMs: 20.4, resultLatencyMs: 0.62, bytesPerTask: 1536, brokerMsPerTask: 0.088, retries: 2, engine: 'bullmq', redis: 'own' },
      },
    ],
  };

  it('prints one aligned row per distributed run: workers × each, queue wait, run, result latency, bytes, Redis, retries', () => {
    const lines = formatText(withDist).split('\n');
    const title = lines.indexOf('Distributed queue');
    assert.ok(title > 0, 'section title');
    const header = lines.findIndex((l, i) => i > title && /^ {2}executor\s+K\s+workers × each\s+queue wait\s+run\s+result latency\s+bytes\/task\s+Redis\/task\s+retries$/.test(l));
    assert.ok(header > title, lines.slice(title, title + 6).join('\n'));
    const row = lines[header + 1];
    assert.match(row, /^ {2}distributed \(bullmq\)\s+4\s+3 × 2 \(1 remote\)\s+1\.3 ms\s+20 ms\s+620 µs\s+1\.5 KB\s+88 µs\s+2$/);
    // Right-aligned under its header: the retries cell ends where the header does.
    assert.equal(row.length, lines[header].length);
  });

  it('adds the same table to the Markdown export', () => {
    const md = formatMarkdown(withDist);
    assert.ok(md.includes('\n## Distributed queue\n'));
    assert.ok(md.includes('| executor | K | workers × each | queue wait | run | result latency | bytes/task | Redis/task | retries |'));
    assert.ok(md.includes('| distributed (bullmq) | 4 | 3 × 2 (1 remote) | 1.3 ms | 20 ms | 620 µs | 1.5 KB | 88 µs | 2 |'), md);
  });

  it('has no distributed section when no run went through the queue', () => {
    assert.ok(!formatText(base).includes('Distributed queue'));
    assert.ok(!formatMarkdown(base).includes('Distributed queue'));
  });
});

describe('the cold start in the renderings', () => {
  const base = reportFor({ computeMs: 20, cores: 2, noise: 0.05, seed: 11 });
  const seq = { firstCallMs: 73.2, steadyCallMs: 22.4, workerStartMs: 49.5, warmupCalls: 8, warmupMs: 251.6, steady: true, warmupCapMs: 418 };
  const withCold: Report = {
    ...base,
    coldStart: {
      sequential: seq,
      async: { ...seq },
      thread: { firstCallMs: 150.6, steadyCallMs: 27.1, workerStartMs: 35.4, warmupCalls: 14, warmupMs: 726.3, steady: false, warmupCapMs: 746 },
      process: { firstCallMs: 140.1, steadyCallMs: 29.9, workerStartMs: 64.5, warmupCalls: 0, steady: false },
    },
  };

  it('prints one row per executor that started workers: start, first call, steady call and the warm-up with its cap', () => {
    const lines = formatText(withCold).split('\n');
    const title = lines.indexOf('Cold start');
    assert.ok(title > 0, 'section title');
    const header = lines.findIndex((l, i) => i > title && /^ {2}executor\s+worker start\s+first call\s+steady call\s+warm-up before counting$/.test(l));
    assert.ok(header > title, lines.slice(title, title + 6).join('\n'));
    const rows = lines.slice(header + 1, header + 4);
    assert.match(rows[0], /^ {2}sequential\s+50 ms\s+73 ms\s+22 ms\s+8 calls, 252 ms \(settled; cap 418 ms\)$/);
    assert.match(rows[1], /^ {2}thread\s+35 ms\s+151 ms\s+27 ms\s+14 calls, 726 ms \(cap reached before it settled; cap 746 ms\)$/);
    assert.match(rows[2], /^ {2}process\s+65 ms\s+140 ms\s+30 ms\s+none$/);
    assert.ok(!lines.slice(header).some((l) => /^ {2}async\s/.test(l)), 'JS async on the sequential thread is not repeated');
  });

  it('says when V8 was still compiling as the cap ran out, and states the longer cap that held meanwhile', () => {
    const compiling: Report = {
      ...withCold,
      coldStart: {
        ...withCold.coldStart,
        sequential: { ...withCold.coldStart!.sequential!, compilingCapMs: 836 },
        thread: { ...withCold.coldStart!.thread!, compiling: true },
      },
    };
    const lines = formatText(compiling).split('\n');
    assert.ok(lines.some((l) => /^ {2}sequential\s.*8 calls, 252 ms \(settled; cap 418 ms, 836 ms while V8 compiled\)$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^ {2}thread\s.*14 calls, 726 ms \(cap reached while V8 was still compiling it; cap 746 ms\)$/.test(l)), lines.join('\n'));
  });

  it('adds the same table to the Markdown export, and none when the report has no cold start', () => {
    const md = formatMarkdown(withCold);
    assert.ok(md.includes('\n## Cold start\n'));
    assert.ok(md.includes('| executor | worker start | first call | steady call | warm-up before counting |'));
    assert.ok(md.includes('| thread | 35 ms | 151 ms | 27 ms | 14 calls, 726 ms (cap reached before it settled; cap 746 ms) |'), md);
    assert.ok(!formatText({ ...base, coldStart: undefined }).includes('Cold start'));
    assert.ok(!formatMarkdown({ ...base, coldStart: undefined }).includes('## Cold start'));
  });

  it('names the runs that left out calls still settling when counting began, in the text and the Markdown', () => {
    const cut: Report = { ...withCold, runs: withCold.runs.map((r) => (r.executor === 'thread' && r.concurrency === 2 ? { ...r, transientCalls: 6 } : r.executor === 'sequential' ? { ...r, transientCalls: 3 } : r)) };
    assert.ok(cut.runs.some((r) => r.executor === 'thread' && r.concurrency === 2), 'the fixture has threads ×2');
    const flat = (t: string) => t.replace(/\s+/g, ' ');
    const sentence = "Calls still settling when counting began were left out of these runs' throughput: sequential (3), thread ×2 (6).";
    assert.ok(flat(formatText(cut)).includes(sentence), formatText(cut));
    assert.ok(flat(formatMarkdown(cut)).includes(sentence));
    assert.ok(!formatText(withCold).includes('still settling'));
  });

  it('says a call that mostly waits made one warm-up call, for its setup, and does not call those runs cold', () => {
    const oneCall = { firstCallMs: 1000.4, steadyCallMs: 1000.4, workerStartMs: 50, warmupCalls: 1, warmupMs: 1000.6, steady: false, warmupCapMs: 1500, setupOnly: true };
    const waiting: Report = { ...withCold, coldStart: { sequential: oneCall, thread: { ...oneCall, workerStartMs: 160 } } };
    const text = formatText(waiting);
    const flat = text.replace(/\s+/g, ' ');
    assert.ok(text.split('\n').some((l) => /^ {2}thread\s+160 ms\s+1\.00 s\s+1\.00 s\s+1 call, 1\.00 s \(one-time setup only: the call mostly waits, and its wait has nothing to warm\)$/.test(l)), text);
    assert.ok(flat.includes('so the runs above measure warm workers, as a long-lived pool has.'), 'not the caption for workers still warming up');
  });

  it('says the runs measured warm workers only when every warm-up settled', () => {
    const flat = (t: string) => t.replace(/\s+/g, ' ');
    assert.ok(flat(formatText(withCold)).includes("where the cap was reached first, that executor's runs measured workers still warming up"), 'threads reached their cap');
    const settled: Report = { ...withCold, coldStart: { sequential: withCold.coldStart!.sequential, process: withCold.coldStart!.process } };
    assert.ok(flat(formatText(settled)).includes('so the runs above measure warm workers, as a long-lived pool has.'));
  });
});
