// The headless shell over the engine: parse arguments, show progress on stderr, print
// the report (text or JSON) on stdout, and map failures to documented exit codes.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgsJson } from '../shared/args';
import { EXIT_CODES, Errors, ProfileError } from '../shared/errors';
import { findFunctions, PROFILABLE_EXTENSIONS } from '../engine/findFunctions';
import { formatText } from '../shared/formatReport';
import { DEFAULTS, QUEUE_DEFAULT_MAX_ITEMS, type ProgressEvent } from '../shared/options';
import { formatQueueText } from '../shared/queue/formatQueue';
import { queueOptionsFrom } from '../shared/queue/queueOptions';
import type { WorkloadDirective } from '../shared/functionInfo';
// In a process of its own: a native crash in a worker thread must not take the CLI down.
import { profileInEngineProcess as profile } from '../engine/engineProcess';
import type { ExecutorKind } from '../shared/report';
import { packageRoot } from '../engine/paths';
import type { DistributedOptions } from '../shared/distributed/distributedTypes';
import { startRemoteWorkers } from '../engine/distributed/remoteWorkers';
import { addCompareCommand, addGateOptions, planGate, runGate, writeHtmlReport, writeMarkdownReport } from './reportOutputs';

const EXECUTORS: ExecutorKind[] = ['sequential', 'async', 'thread', 'process', 'distributed'];

function positiveNumber(flag: string, error: (v: string) => ProfileError) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw error(value);
    return n;
  };
}

const positiveInt = (flag: string) =>
  positiveNumber(flag, (v) => new ProfileError('bad-input', `${flag} must be a positive whole number, got "${v}".`));

function progressPrinter(): (e: ProgressEvent) => void {
  const tty = process.stderr.isTTY;
  let lastMessage = '';
  return (e) => {
    if (tty) {
      const width = 24;
      const filled = Math.round(e.fraction * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      process.stderr.write(`\r\x1b[2K${bar} ${Math.round(e.fraction * 100)}% ${e.message}`);
      if (e.phase === 'done') process.stderr.write('\r\x1b[2K');
    } else if (e.message !== lastMessage) {
      process.stderr.write(`[${Math.round(e.fraction * 100)}%] ${e.message}\n`);
    }
    lastMessage = e.message;
  };
}

function writeJsonAtomically(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  renameSync(tmp, file);
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('workload-profiler')
    .description('Should this function run async, in threads or in processes, and how many at once? Measure it.')
    .version(JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  let exitCode = 0;

  const profileCommand = program
    .command('profile')
    .description('Run <function> from <file> under every executor and recommend one')
    .argument('<file>', `a ${PROFILABLE_EXTENSIONS.join(' ')} file`)
    .argument('<function>', 'a function in that file: top-level (exported or not), Class.staticMethod, object.member, a CommonJS export')
    .option('--args <json>', 'arguments as a JSON array; "$i" becomes the task index, also inside a string ("user-$i") (default: the function\'s @workload args, else [])')
    .addOption(new Option('--budget <seconds>', 'time budget for the whole profile (default: @workload budget, else 15)').argParser(positiveNumber('--budget', Errors.badBudget)))
    .option('--json', 'print the JSON report instead of the text report')
    .option('--out <file>', 'also write the JSON report to this file')
    .option('--html <file>', 'also write the report as one standalone HTML file (charts included, no network needed)')
    .option('--md <file>', 'also write the Markdown summary to this file')
    .option('--python <path>', 'Python interpreter for .py files (default: python3 on PATH)')
    .option('--executors <list>', `comma-separated subset of ${EXECUTORS.join(',')}`)
    .addOption(new Option('--timeout <seconds>', 'kill a call that runs longer than this').argParser(positiveNumber('--timeout', (v) => new ProfileError('bad-input', `--timeout must be a positive number of seconds, got "${v}".`))))
    .addOption(new Option('--memory <mb>', 'memory cap per worker or child process').argParser(positiveInt('--memory')))
    .addOption(new Option('--max-async <n>', 'highest async concurrency to try').argParser(positiveInt('--max-async')))
    .addOption(new Option('--max-threads <n>', 'largest thread pool to try').argParser(positiveInt('--max-threads')))
    .addOption(new Option('--max-processes <n>', 'largest process pool to try').argParser(positiveInt('--max-processes')))
    .option('--discard-results', "pools drop each call's result instead of sending it back (for functions whose results are never used)")
    .option('--redis <url>', 'distributed executor: use this Redis (default: start our own redis-server on loopback)')
    .addOption(new Option('--worker-concurrency <n>', 'distributed executor: jobs each worker runs at once (default 1)').argParser(positiveInt('--worker-concurrency')))
    .option('--queue-name <name>', 'distributed executor: queue name, the same for remote workers (default: workload-profiler.<function>)')
    .option('--celery-pool <pool>', 'distributed executor, Python: Celery --pool of the local workers (default prefork)')
    .option('--sandboxed', 'distributed executor, JS/TS: run jobs in BullMQ sandboxed processors (a child process per job slot)')
    .option('--queue', 'queue mode: the function takes one item and returns the new items it found (seeds from --seed or @workload queue seeds=[…])')
    .option('--seed <json>', 'queue mode: the first items, as a JSON array (implies --queue)')
    .addOption(new Option('--max-items <n>', `queue mode: stop admitting items after this many (default ${QUEUE_DEFAULT_MAX_ITEMS})`).argParser(positiveInt('--max-items')))
    .option('--no-dedupe', 'queue mode: keep items JSON-equal to one already seen')
    .action(async (file: string, fn: string, o) => {
      const executors = o.executors ? parseExecutors(o.executors) : undefined;
      // Before the budget is spent: a gate that cannot be evaluated is a usage error.
      const gate = planGate(o, fn);
      const controller = new AbortController();
      let interrupted = 0;
      const onSigint = () => {
        interrupted++;
        if (interrupted > 1) process.exit(EXIT_CODES.cancelled);
        process.stderr.write('\nCancelling: stopping every worker and child process…\n');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      try {
        const args = o.args !== undefined ? parseArgsJson(o.args) : undefined;
        const seed = o.seed !== undefined ? parseSeedJson(o.seed) : undefined;
        const pinned = args === undefined || o.budget === undefined || seed === undefined ? await directiveOf(file, fn, o.python) : undefined;
        if (pinned?.error) throw new ProfileError('bad-input', `The @workload comment above ${fn} is invalid: ${pinned.error}. Fix it or pass --args/--budget.`);
        const queue = queueOptionsFrom({ queue: o.queue, seed, maxItems: o.maxItems, dedupe: o.dedupe }, pinned);
        const report = await profile(
          {
            file,
            functionName: fn,
            args: args ?? pinned?.args ?? [],
            budgetMs: (o.budget ?? pinned?.budgetSec ?? DEFAULTS.budgetMs / 1000) * 1000,
            executors,
            python: o.python,
            callTimeoutMs: o.timeout ? o.timeout * 1000 : undefined,
            memoryLimitMb: o.memory,
            maxConcurrency: {
              ...(o.maxAsync ? { async: o.maxAsync } : {}),
              ...(o.maxThreads ? { thread: o.maxThreads } : {}),
              ...(o.maxProcesses ? { process: o.maxProcesses } : {}),
            },
            workspaceRoot: process.cwd(),
            ...(o.discardResults ? { returnResults: false } : {}),
            distributed: distributedOptions(o),
            ...(queue ? { queue } : {}),
          },
          { onProgress: progressPrinter(), signal: controller.signal },
        );
        if (o.out) writeJsonAtomically(path.resolve(o.out), report);
        if (o.html) writeHtmlReport(o.html, { report });
        if (o.md) writeMarkdownReport(o.md, report);
        const text = () => formatText(report, { color: process.stdout.isTTY }) + (report.queue ? '\n\n' + formatQueueText(report) : '');
        process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : text() + '\n');
        // The outputs are written first: a failed gate still leaves the evidence for CI to upload.
        exitCode = runGate(report, gate);
      } catch (e) {
        // A function that throws still gets its page, with the message and the user's stack.
        if (o.html && e instanceof ProfileError && e.code === 'function-failed')
          writeHtmlReport(o.html, { kind: 'error', functionName: fn, file: path.resolve(file), message: e.message, error: e.userError });
        throw e;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });

  addGateOptions(profileCommand);
  addCompareCommand(program);

  program
    .command('worker')
    .description('Start queue workers for <function> that join profiles run with --redis <url> --executors …,distributed (BullMQ for JS/TS, Celery for Python)')
    .argument('<file>')
    .argument('<function>')
    .requiredOption('--redis <url>', 'the Redis the profile uses, e.g. redis://10.0.0.5:6379/0')
    .addOption(new Option('--workers <n>', 'worker processes on this machine').argParser(positiveInt('--workers')).default(1))
    .addOption(new Option('--concurrency <n>', 'jobs each worker runs at once').argParser(positiveInt('--concurrency')).default(1))
    .option('--queue <name>', 'queue name (default: workload-profiler.<function>, as the profile uses)')
    .option('--python <path>', 'Python interpreter with celery and redis, for .py files')
    .option('--celery-pool <pool>', 'Celery --pool for .py files (default prefork)')
    .option('--sandboxed', 'JS/TS: run jobs in BullMQ sandboxed processors (a child process per job slot)')
    .addOption(new Option('--timeout <seconds>', 'a call running longer than this fails').argParser(positiveNumber('--timeout', (v) => new ProfileError('bad-input', `--timeout must be a positive number of seconds, got "${v}".`))))
    .action(async (file: string, fn: string, o) => {
      const workers = await startRemoteWorkers({
        file,
        functionName: fn,
        redisUrl: o.redis,
        workers: o.workers,
        concurrency: o.concurrency,
        queue: o.queue,
        python: o.python,
        celeryPool: o.celeryPool,
        sandboxed: !!o.sandboxed,
        limits: { callTimeoutMs: (o.timeout ?? DEFAULTS.callTimeoutMs / 1000) * 1000, memoryLimitMb: DEFAULTS.memoryLimitMb, maxOutputBytes: DEFAULTS.maxOutputBytes },
      });
      process.stderr.write(`${workers.pids.length} worker${workers.pids.length === 1 ? '' : 's'} running (pids ${workers.pids.join(', ')}); Ctrl-C stops them.\n`);
      const stop = () => void workers.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await workers.exited;
      await workers.stop();
    });

  program
    .command('list')
    .description('List the functions of <file> that can be profiled')
    .argument('<file>')
    .option('--python <path>', 'Python interpreter for .py files')
    .option('--json', 'print JSON')
    .action(async (file: string, o) => {
      const abs = path.resolve(file);
      let source: string;
      try {
        source = readFileSync(abs, 'utf8');
      } catch {
        throw Errors.fileNotFound(file);
      }
      const fns = await findFunctions(abs, source, { python: o.python });
      if (o.json) process.stdout.write(JSON.stringify(fns, null, 2) + '\n');
      else for (const f of fns) process.stdout.write(`${String(f.line).padStart(5)}  ${f.isAsync ? 'async ' : ''}${f.name}${f.directive?.args ? `  args=${JSON.stringify(f.directive.args)}` : ''}${f.directive?.queue ? `  queue seeds=${JSON.stringify(f.directive.queue.seeds ?? [])}` : ''}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    exitCode = reportFailure(e);
  }
  return exitCode;
}

/**
 * The `@workload args=… budget=…` comment above the function, which pins what the code
 * lens runs; the CLI honours it too. Any problem finding it is left for profile() to
 * report, with its own message.
 */
async function directiveOf(file: string, fn: string, python?: string): Promise<WorkloadDirective | undefined> {
  try {
    const abs = path.resolve(file);
    const found = await findFunctions(abs, readFileSync(abs, 'utf8'), { python });
    return found.find((f) => f.name === fn)?.directive;
  } catch {
    return undefined;
  }
}

function distributedOptions(o: { redis?: string; workerConcurrency?: number; queueName?: string; celeryPool?: string; sandboxed?: boolean }): DistributedOptions | undefined {
  const d: DistributedOptions = {
    ...(o.redis ? { redisUrl: o.redis } : {}),
    ...(o.workerConcurrency ? { concurrencyPerWorker: o.workerConcurrency } : {}),
    ...(o.queueName ? { queue: o.queueName } : {}),
    ...(o.celeryPool ? { celeryPool: o.celeryPool } : {}),
    ...(o.sandboxed ? { sandboxed: true } : {}),
  };
  return Object.keys(d).length ? d : undefined;
}

function parseSeedJson(text: string): unknown[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ProfileError('bad-input', `--seed is not valid JSON (${(e as Error).message}); pass an array of first items, e.g. --seed '["/"]'.`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new ProfileError('bad-input', `--seed must be a non-empty JSON array of first items, e.g. --seed '["/"]'.`);
  return v;
}

function parseExecutors(list: string): ExecutorKind[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !EXECUTORS.includes(n as ExecutorKind));
  if (bad.length) throw new ProfileError('bad-input', `Unknown executor ${bad.join(', ')}; choose from ${EXECUTORS.join(', ')}.`);
  return names as ExecutorKind[];
}

function reportFailure(e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and version are successes; every other parse failure is bad input.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return EXIT_CODES['bad-input'];
  }
  if (e instanceof ProfileError) {
    process.stderr.write(`error: ${e.message}\n`);
    if (e.code === 'function-failed' && e.userError?.stack) process.stderr.write(`\n${e.userError.stack}\n`);
    return EXIT_CODES[e.code];
  }
  process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT_CODES.internal;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
