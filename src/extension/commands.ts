// The command handlers and the profile flow they share: resolve the function and its
// arguments, run it through the ProfileRunner, save the report, show it.
import { languageForEditor } from '../engine/languages/language';
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { compareReports } from '../analysis/compare';
import { formatCompareText } from '../shared/compareFormat';
import type { FunctionInfo } from '../shared/functionInfo';
import type { ProfileOptions, QueueOptions } from '../shared/options';
import { queueOptionsFrom } from '../shared/queue/queueOptions';
import type { Report } from '../shared/report';
import { Commands, ContextKeys } from './commandIds';
import { Disposable } from './dispose';
import { FunctionIndex, functionAtLine, isProfiledDocument } from './functionIndex';
import type { ProfileRunner } from './profileRunner';
import { pythonFor } from './pythonInterpreter';
import type { ReportPanels } from './reportPanel';
import type { ResultNode } from './resultsTree';
import type { SavedResults } from './savedResults';
import { readSettings } from './settings';
import type { ExportFormat, PanelView } from '../webview/protocol';
import { verdictLine } from '../webview/labels';

const LAST_RUN_KEY = 'workloadProfiler.lastRun';
const ARGS_KEY_PREFIX = 'workloadProfiler.args:';
const NOTICE_KEY = 'workloadProfiler.firstRunNoticeShown';

interface LastRun {
  uri: string;
  functionName: string;
  args: unknown[];
  budgetSec?: number;
  /** Queue mode, from the directive when the run started. */
  queue?: QueueOptions;
}

export interface CommandDeps {
  context: vscode.ExtensionContext;
  results: SavedResults;
  panels: () => ReportPanels;
  runner: ProfileRunner;
  index: FunctionIndex;
  log: vscode.LogOutputChannel;
}

/** What a command accepts as "which report": an id (code lens), a tree node, or nothing (the current one). */
type ReportRef = string | ResultNode | undefined;

export class WorkloadCommands extends Disposable {
  constructor(private readonly deps: CommandDeps) {
    super();
    // VS Code hands command arguments over untyped; each handler declares its own.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const on = (id: string, fn: (...args: any[]) => unknown) => this.register(vscode.commands.registerCommand(id, fn));
    on(Commands.profileAtCursor, (uri?: vscode.Uri, line?: number) => this.profileAtCursor(uri, line));
    on(Commands.profileFunction, (uri?: vscode.Uri, name?: string) => this.profileFunction(uri, name));
    on(Commands.rerunLast, () => this.rerunLast());
    on(Commands.showReport, (ref?: ReportRef) => this.showReport(ref));
    on(Commands.compareWithPrevious, (ref?: ReportRef) => this.compareWithPrevious(ref));
    on(Commands.exportReport, (ref?: ReportRef, format?: ExportFormat, target?: vscode.Uri) => this.exportReport(ref, format, target));
    on(Commands.clearResults, (confirmed?: boolean) => this.clearResults(confirmed === true));
    on(Commands.openRun, (ref?: ReportRef) => this.showReport(ref));
    on(Commands.rerunRun, (ref?: ReportRef, budgetSec?: number) => this.rerunReport(ref, budgetSec));
    on(Commands.exportRun, (ref?: ReportRef) => this.exportReport(ref));
    on(Commands.deleteRun, (node?: ResultNode) => this.deleteNode(node));
    void vscode.commands.executeCommand('setContext', ContextKeys.hasLastRun, !!this.lastRun());
  }

  // ---- entry points -------------------------------------------------------------

  async profileAtCursor(uri?: vscode.Uri, line?: number): Promise<Report | undefined> {
    // Before anything else: listing a .py file's functions runs its Python interpreter.
    if (!requireTrust()) return undefined;
    const editor = vscode.window.activeTextEditor;
    const document = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
    if (!document || !isProfiledDocument(document)) {
      void vscode.window.showInformationMessage('Open a JavaScript, TypeScript or Python file and put the cursor in a top-level function.');
      return undefined;
    }
    const functions = await this.functionsOf(document);
    if (!functions) return undefined;
    const cursorLine = line ?? (editor?.document === document ? editor.selection.active.line : undefined);
    const fn = cursorLine === undefined ? undefined : functionAtLine(functions, cursorLine);
    if (fn) return this.profile(document, fn, { ask: false });
    const picked = await this.pickFunction(document, functions, 'The cursor is not in a top-level function. Pick one to profile');
    return picked && this.profile(document, picked, { ask: true });
  }

  async profileFunction(uri?: vscode.Uri, name?: string): Promise<Report | undefined> {
    if (!requireTrust()) return undefined;
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document || !isProfiledDocument(document)) {
      void vscode.window.showInformationMessage('Open a JavaScript, TypeScript or Python file to pick a function to profile.');
      return undefined;
    }
    const functions = await this.functionsOf(document);
    if (!functions) return undefined;
    if (name !== undefined) {
      const fn = functions.find((f) => f.name === name);
      if (!fn) {
        void vscode.window.showErrorMessage(`No top-level function "${name}" in ${basename(document.fileName)} any more.`);
        return undefined;
      }
      return this.profile(document, fn, { ask: false });
    }
    const picked = await this.pickFunction(document, functions, 'Pick a top-level function to profile');
    // Picking explicitly is the way to change remembered arguments, so ask (pre-filled).
    return picked && this.profile(document, picked, { ask: true });
  }

  async rerunLast(): Promise<Report | undefined> {
    const last = this.lastRun();
    if (!last) {
      void vscode.window.showInformationMessage('Nothing to re-run yet: profile a function first.');
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(last.uri));
    return this.profile(document, { name: last.functionName }, { args: last.args, budgetSec: last.budgetSec, queue: last.queue });
  }

  async showReport(ref?: ReportRef): Promise<Report | undefined> {
    const report = this.resolveReport(ref);
    if (!report) {
      void vscode.window.showInformationMessage('No saved reports yet: profile a function first.');
      return undefined;
    }
    this.deps.panels().show({ kind: 'report', report });
    return report;
  }

  async compareWithPrevious(ref?: ReportRef): Promise<Report | undefined> {
    const report = this.resolveReport(ref);
    if (!report) {
      void vscode.window.showInformationMessage('No saved reports yet: profile a function first.');
      return undefined;
    }
    const previous = this.deps.results.previousOf(report);
    if (!previous) {
      void vscode.window.showInformationMessage(`${report.target.function} has only one saved run; profile it again to compare.`);
      this.deps.panels().show({ kind: 'report', report });
      return undefined;
    }
    // The panel computes the same comparison from the two reports (src/webview/compareView.ts);
    // the log keeps the CLI's text of it, to copy into an issue or a review.
    try {
      this.deps.log.info(`${formatCompareText(compareReports(previous, report))}`);
    } catch (e) {
      this.deps.log.warn(`${report.target.function}: cannot compare with ${previous.id}: ${(e as Error).message}`);
    }
    this.deps.panels().show({ kind: 'report', report, previous });
    return previous;
  }

  async exportReport(ref?: ReportRef, format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const report = this.resolveReport(ref);
    if (!report) {
      void vscode.window.showInformationMessage('No report to export: profile a function first.');
      return undefined;
    }
    const fmt =
      format ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'JSON', description: 'the full report (schema v' + report.schemaVersion + ')', format: 'json' as const },
            { label: 'Markdown', description: 'a readable summary for a PR or an issue', format: 'markdown' as const },
          ],
          { title: `Export the report of ${report.target.function}` },
        )
      )?.format;
    if (!fmt) return undefined;
    const ext = fmt === 'json' ? 'json' : 'md';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const suggested = `${report.target.function}-profile.${ext}`;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, suggested) : undefined,
        filters: fmt === 'json' ? { JSON: ['json'] } : { Markdown: ['md'] },
        title: 'Export Workload Profile',
      }));
    if (!uri) return undefined;
    const text = fmt === 'json' ? JSON.stringify(report, null, 2) + '\n' : (await import('../shared/formatReport.js')).formatMarkdown(report);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    if (!target) {
      void vscode.window.showInformationMessage(`Exported the report to ${vscode.workspace.asRelativePath(uri)}.`, 'Open').then((c) => {
        if (c) void vscode.window.showTextDocument(uri);
      });
    }
    return uri;
  }

  async clearResults(confirmed: boolean): Promise<void> {
    const count = this.deps.results.all().length;
    if (!count) return;
    if (!confirmed) {
      const answer = await vscode.window.showWarningMessage(
        `Delete all ${count} saved profile run${count === 1 ? '' : 's'} of this workspace?`,
        { modal: true },
        'Delete',
      );
      if (answer !== 'Delete') return;
    }
    await this.deps.results.clear();
  }

  // ---- tree actions -------------------------------------------------------------

  /** The same function and arguments again, at the report's budget or at `budgetSec` (the panel's "Re-run at N s"). */
  private async rerunReport(ref?: ReportRef, budgetSec?: number): Promise<Report | undefined> {
    const report = this.resolveReport(ref);
    if (!report) return undefined;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(report.target.file));
    const queue = report.queue ? { seeds: report.queue.seeds, dedupe: report.queue.dedupe, maxItems: report.queue.maxItems } : undefined;
    const budget = typeof budgetSec === 'number' && Number.isFinite(budgetSec) && budgetSec > 0 ? budgetSec : report.budgetMs / 1000;
    return this.profile(document, { name: report.target.function }, { args: report.target.args, budgetSec: budget, queue });
  }

  private async deleteNode(node?: ResultNode): Promise<void> {
    if (!node) return;
    const ids = node.type === 'run' ? [node.report.id] : node.runs.map((r) => r.id);
    await this.deps.results.remove(ids);
  }

  // ---- the profile flow ---------------------------------------------------------

  /**
   * Runs one profile and shows its outcome. Returns the report, or undefined when the
   * run did not happen or did not finish (the user has been told why).
   */
  async profile(
    document: vscode.TextDocument,
    fn: Pick<FunctionInfo, 'name'> & Partial<Pick<FunctionInfo, 'directive'>>,
    how: { ask?: boolean; args?: unknown[]; budgetSec?: number; queue?: QueueOptions },
  ): Promise<Report | undefined> {
    if (!requireTrust()) return undefined;
    const { runner, results, log } = this.deps;
    if (document.isUntitled) {
      void vscode.window.showErrorMessage('Save the file first: the profiler needs its path and file type.');
      return undefined;
    }
    if (runner.running) {
      this.refuseBusy(runner.running);
      return undefined;
    }
    if (fn.directive?.error) {
      void vscode.window.showErrorMessage(`The @workload comment above ${fn.name} is invalid: ${fn.directive.error}`);
      return undefined;
    }
    // Queue mode (`@workload queue seeds=[…]`) calls the function with items, not arguments.
    let queue: QueueOptions | undefined;
    try {
      queue = how.queue ?? queueOptionsFrom({}, fn.directive);
    } catch (e) {
      void vscode.window.showErrorMessage(`The @workload comment above ${fn.name} is invalid: ${(e as Error).message}`);
      return undefined;
    }
    const args = how.args ?? fn.directive?.args ?? (queue ? [] : await this.argumentsFor(document, fn.name, how.ask ?? false));
    if (!args) return undefined;
    const settings = readSettings(document.uri);
    const budgetSec = how.budgetSec ?? fn.directive?.budgetSec ?? settings.budgetSeconds;
    this.firstRunNotice(fn.name, budgetSec);

    const options: ProfileOptions = {
      file: document.fileName,
      functionName: fn.name,
      args,
      budgetMs: Math.round(budgetSec * 1000),
      executors: settings.executors,
      maxConcurrency: settings.maxConcurrency,
      callTimeoutMs: settings.callTimeoutSeconds * 1000,
      memoryLimitMb: settings.memoryLimitMb,
      returnResults: settings.returnResults,
      ...(settings.redisUrl ? { distributed: { redisUrl: settings.redisUrl } } : {}),
      // The buffer, not the file on disk: unsaved edits are what the user is looking at.
      sourceText: document.getText(),
      python: languageForEditor(document.languageId)?.listingRunsInterpreter ? await pythonFor(document.uri) : undefined,
      workspaceRoot: vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath,
      ...(queue ? { queue } : {}),
    };
    const last: LastRun = { uri: document.uri.toString(), functionName: fn.name, args, budgetSec: how.budgetSec ?? fn.directive?.budgetSec, ...(queue ? { queue } : {}) };
    await this.deps.context.workspaceState.update(LAST_RUN_KEY, last);
    void vscode.commands.executeCommand('setContext', ContextKeys.hasLastRun, true);

    log.info(`Profiling ${fn.name} in ${document.fileName} with args ${JSON.stringify(args)}, budget ${budgetSec}s`);
    const outcome = await runner.run(options);
    switch (outcome.kind) {
      case 'ok': {
        await results.add(outcome.report);
        log.info(`${fn.name}: ${verdictLine(outcome.report)}`);
        this.deps.panels().show({ kind: 'report', report: outcome.report }, true);
        return outcome.report;
      }
      case 'cancelled':
        log.info(`${fn.name}: cancelled`);
        void vscode.window.showInformationMessage(`Profile of ${fn.name} cancelled.`);
        return undefined;
      case 'busy':
        this.refuseBusy(outcome.running);
        return undefined;
      case 'failed': {
        const { error } = outcome;
        log.error(`${fn.name}: ${error.code}: ${error.message}${error.userError?.stack ? '\n' + error.userError.stack : ''}`);
        void vscode.window.showErrorMessage(error.message);
        if (error.code === 'function-failed') {
          const view: PanelView = { kind: 'error', functionName: fn.name, file: document.fileName, message: error.message, error: error.userError };
          this.deps.panels().show(view, true);
        }
        return undefined;
      }
    }
  }

  private refuseBusy(running: string): void {
    void vscode.window
      .showWarningMessage(`A profile of ${running} is already running; only one runs at a time.`, 'Cancel It')
      .then((c) => c && this.deps.runner.cancel());
  }

  private async argumentsFor(document: vscode.TextDocument, name: string, ask: boolean): Promise<unknown[] | undefined> {
    const state = this.deps.context.workspaceState;
    const key = `${ARGS_KEY_PREFIX}${vscode.workspace.asRelativePath(document.uri)}#${name}`;
    const remembered = state.get<unknown[]>(key);
    if (remembered && !ask) return remembered;
    const value = await vscode.window.showInputBox({
      title: `Arguments for ${name}`,
      prompt: 'A JSON array of the arguments for each call; "$i" is replaced by the task index. Pin them with a // @workload args=[…] comment to skip this.',
      value: JSON.stringify(remembered ?? []),
      ignoreFocusOut: true,
      validateInput: (text) => {
        try {
          return Array.isArray(JSON.parse(text)) ? undefined : 'Must be a JSON array, e.g. [25] or ["$i"].';
        } catch (e) {
          return `Not valid JSON: ${(e as Error).message}`;
        }
      },
    });
    if (value === undefined) return undefined;
    const args = JSON.parse(value) as unknown[];
    await state.update(key, args);
    return args;
  }

  /** Once per workspace, and never in the way: the run starts without waiting for it. */
  private firstRunNotice(name: string, budgetSec: number): void {
    const state = this.deps.context.workspaceState;
    if (state.get<boolean>(NOTICE_KEY)) return;
    void state.update(NOTICE_KEY, true);
    void vscode.window.showInformationMessage(
      `Workload Profiler calls ${name} many times for about ${budgetSec} s, concurrently, in worker threads and child processes. ` +
        'Whatever it does on each call (files, network, databases) happens every time.',
    );
  }

  private async functionsOf(document: vscode.TextDocument): Promise<FunctionInfo[] | undefined> {
    const functions = await this.deps.index.functions(document);
    if (functions === undefined) {
      // The lens stays quiet on syntax errors; an explicit command says why it cannot go on.
      try {
        const { findFunctions } = await import('../engine/findFunctions.js');
        await findFunctions(document.fileName, document.getText(), {
          python: languageForEditor(document.languageId)?.listingRunsInterpreter ? await pythonFor(document.uri) : undefined,
        });
      } catch (e) {
        void vscode.window.showErrorMessage((e as Error).message);
        return undefined;
      }
    }
    if (!functions?.length) {
      void vscode.window.showInformationMessage(`${basename(document.fileName)} has no top-level functions to profile.`);
      return undefined;
    }
    return functions;
  }

  private async pickFunction(document: vscode.TextDocument, functions: FunctionInfo[], title: string): Promise<FunctionInfo | undefined> {
    const picked = await vscode.window.showQuickPick(
      functions.map((f) => ({
        label: f.name,
        description: `${f.isAsync ? 'async ' : ''}${f.declaration} · line ${f.line}`,
        detail: f.directive?.args ? `@workload args=${JSON.stringify(f.directive.args)}` : undefined,
        fn: f,
      })),
      { title, placeHolder: basename(document.fileName), matchOnDescription: true },
    );
    return picked?.fn;
  }

  private resolveReport(ref: ReportRef): Report | undefined {
    const { results } = this.deps;
    if (typeof ref === 'string') return results.get(ref);
    if (ref?.type === 'run') return results.get(ref.report.id) ?? ref.report;
    if (ref?.type === 'function') return ref.runs[0];
    const view = this.deps.panels().activeView();
    if (view?.kind === 'report') return results.get(view.report.id) ?? view.report;
    return results.all()[0];
  }

  private lastRun(): LastRun | undefined {
    return this.deps.context.workspaceState.get<LastRun>(LAST_RUN_KEY);
  }
}

export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      "Profiling runs this workspace's code, so Workload Profiler is disabled in Restricted Mode. Trust the workspace to profile.",
      'Manage Workspace Trust',
    )
    .then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}
