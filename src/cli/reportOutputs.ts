// The CLI's work on finished reports: reading saved ones (compare, --baseline), writing
// the extra outputs of profile (--html, --md), the `compare` command, and the CI gate's
// options. The logic lives in pure core modules; this file only does files and streams.
import { Command, Option } from 'commander';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compareReports, parseReport } from '../analysis/compare';
import { formatCompareMarkdown, formatCompareText } from '../shared/compareFormat';
import { ProfileError } from '../shared/errors';
import { formatMarkdown } from '../shared/formatReport';
import { evaluateGate, GATE_FAILED_EXIT_CODE, parseExpect, parseMaxRegression, parseMinSpeedup, type Expectation } from '../analysis/gate';
import { buildHtmlReport, loadReportAssets, type StandaloneView } from '../engine/htmlReport';
import type { Report } from '../shared/report';

export function writeFileAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
  } catch (e) {
    throw new ProfileError('bad-input', `Cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Check that its folder exists and is writable.`);
  }
  renameSync(tmp, file);
}

/** A saved report (profile --out / --json), checked enough for compare and the gate. */
export function readReportFile(file: string): Report {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new ProfileError('bad-input', `${file} is a directory; pass a report JSON file written by profile --out or --json.`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ProfileError) throw e;
    throw new ProfileError('bad-input', `Report not found: ${file}. Pass a JSON file written by profile --out or --json.`);
  }
  return parseReport(text, file);
}

export function writeHtmlReport(file: string, view: StandaloneView): void {
  writeFileAtomically(path.resolve(file), buildHtmlReport(view, loadReportAssets()));
}

export function writeMarkdownReport(file: string, report: Report): void {
  writeFileAtomically(path.resolve(file), formatMarkdown(report));
}

// ---- the CI gate --------------------------------------------------------------

const collect =
  (parse: (v: string) => Expectation) =>
  (value: string, previous: Expectation[] = []): Expectation[] => [...previous, parse(value)];

/** The gate's options on `profile`; every value is parsed (and refused) before profiling starts. */
export function addGateOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--expect <key=value>', 'fail (exit 4) unless kind=, executor= or gil= matches; repeatable; a,b accepts either').argParser(collect(parseExpect)))
    .addOption(new Option('--min-speedup <executor:factor>', 'fail (exit 4) unless that executor (or "best") reaches the speedup; repeatable').argParser(collect(parseMinSpeedup)))
    .addOption(new Option('--max-regression <percent>', 'fail (exit 4) if throughput fell significantly by more than this against --baseline').argParser(parseMaxRegression))
    .option('--baseline <report.json>', 'an earlier report of the same function, for --max-regression');
}

export interface GatePlan {
  expectations: Expectation[];
  baseline?: Report;
}

/** Checks the gate's options against each other and loads the baseline, before any profiling. */
export function planGate(o: { expect?: Expectation[]; minSpeedup?: Expectation[]; maxRegression?: Expectation; baseline?: string }, functionName: string): GatePlan {
  const expectations = [...(o.expect ?? []), ...(o.minSpeedup ?? []), ...(o.maxRegression ? [o.maxRegression] : [])];
  if (o.maxRegression && !o.baseline) throw new ProfileError('bad-input', '--max-regression needs --baseline OLD.json, the report to compare with.');
  if (o.baseline && !o.maxRegression) throw new ProfileError('bad-input', '--baseline is only used by --max-regression; add e.g. --max-regression 10%.');
  const baseline = o.baseline ? readReportFile(o.baseline) : undefined;
  if (baseline && baseline.target.function !== functionName)
    throw new ProfileError('bad-input', `--baseline ${o.baseline} is a report of ${baseline.target.function}, not ${functionName}.`);
  return { expectations, baseline };
}

/** Prints one line per expectation (failures first, on stderr) and returns the exit code. */
export function runGate(report: Report, plan: GatePlan): number {
  if (!plan.expectations.length) return 0;
  const outcomes = evaluateGate(report, plan.expectations, plan.baseline);
  const failed = outcomes.filter((x) => !x.ok);
  for (const x of failed) process.stderr.write(`expectation failed: ${x.text}: ${x.detail}\n`);
  for (const x of outcomes.filter((y) => y.ok)) process.stderr.write(`expectation met: ${x.text}: ${x.detail}\n`);
  return failed.length ? GATE_FAILED_EXIT_CODE : 0;
}

// ---- compare ------------------------------------------------------------------

export function addCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('Compare two reports of the same function: changed verdicts first, then throughput and speedup per executor and K with a significance call')
    .argument('<old>', 'the earlier report (JSON from profile --out or --json)')
    .argument('<new>', 'the later report')
    .option('--json', 'print the comparison as JSON')
    .option('--markdown', 'print Markdown, for a pull-request comment')
    .option('--html <file>', 'also write the new report with the comparison as one standalone HTML file')
    .action((oldFile: string, newFile: string, o: { json?: boolean; markdown?: boolean; html?: string }) => {
      if (o.json && o.markdown) throw new ProfileError('bad-input', 'Choose one of --json and --markdown.');
      const oldReport = readReportFile(oldFile);
      const newReport = readReportFile(newFile);
      const comparison = compareReports(oldReport, newReport);
      if (o.html) writeHtmlReport(o.html, { report: newReport, previous: oldReport });
      const out = o.json ? JSON.stringify(comparison, null, 2) + '\n' : o.markdown ? formatCompareMarkdown(comparison) : formatCompareText(comparison, { color: process.stdout.isTTY }) + '\n';
      process.stdout.write(out);
    });
}
