// The profiled runs the sidebar, the code lenses and the panels read: an in-memory list
// over the on-disk HistoryStore, with one change event for all of them.
import * as vscode from 'vscode';
import { resolve } from 'node:path';
import { HistoryStore } from '../engine/historyStore';
import type { Report } from '../shared/report';
import { ContextKeys } from './commandIds';
import { Disposable } from './dispose';

/** Identifies a function across runs: its file and name. */
export function functionKey(file: string, functionName: string, root?: string): string {
  const abs = root ? resolve(root, file) : resolve(file);
  return `${process.platform === 'win32' ? abs.toLowerCase() : abs}#${functionName}`;
}

export class SavedResults extends Disposable {
  private reports: Report[] = [];
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  readonly ready: Promise<void>;

  constructor(
    private readonly store: HistoryStore | undefined,
    private readonly root: string | undefined,
    private readonly log: (message: string) => void,
  ) {
    super();
    this.ready = this.reload();
  }

  /** Newest first. */
  all(): readonly Report[] {
    return this.reports;
  }

  get(id: string): Report | undefined {
    return this.reports.find((r) => r.id === id);
  }

  keyOf(report: Report): string {
    return functionKey(report.target.file, report.target.function, this.root);
  }

  /** Runs grouped per function, groups ordered by their newest run. */
  byFunction(): Map<string, Report[]> {
    const groups = new Map<string, Report[]>();
    for (const r of this.reports) {
      const key = this.keyOf(r);
      const list = groups.get(key);
      if (list) list.push(r);
      else groups.set(key, [r]);
    }
    return groups;
  }

  latestFor(file: string, functionName: string): Report | undefined {
    const key = functionKey(file, functionName, this.root);
    return this.reports.find((r) => this.keyOf(r) === key);
  }

  /** The run of the same function just before `report`. */
  previousOf(report: Report): Report | undefined {
    const key = this.keyOf(report);
    const runs = this.reports.filter((r) => this.keyOf(r) === key);
    const at = runs.findIndex((r) => r.id === report.id);
    return at >= 0 ? runs[at + 1] : undefined;
  }

  async add(report: Report): Promise<void> {
    this.reports = [report, ...this.reports.filter((r) => r.id !== report.id)];
    this.fire();
    if (!this.store) return;
    try {
      const dropped = await this.store.add(report);
      if (dropped.length) {
        this.reports = this.reports.filter((r) => !dropped.includes(r.id));
        this.fire();
      }
    } catch (e) {
      this.log(`Could not save the report: ${(e as Error).message}`);
    }
  }

  async remove(ids: string[]): Promise<void> {
    this.reports = this.reports.filter((r) => !ids.includes(r.id));
    this.fire();
    await Promise.all(ids.map((id) => this.store?.remove(id).catch((e: Error) => this.log(`Could not delete ${id}: ${e.message}`))));
  }

  async clear(): Promise<void> {
    this.reports = [];
    this.fire();
    await this.store?.clear().catch((e: Error) => this.log(`Could not clear the history: ${e.message}`));
  }

  setLimit(limit: number): void {
    this.store?.setLimit(limit);
  }

  private async reload(): Promise<void> {
    if (!this.store) return;
    try {
      const { reports, problems } = await this.store.load();
      for (const p of problems) {
        this.log(
          p.kind === 'corrupt'
            ? `Skipped a corrupt saved report (${p.detail}); moved it to ${p.file}.`
            : `Skipped ${p.file}: ${p.detail} (written by another version of the extension; left in place).`,
        );
      }
      // Runs added while loading are newer than anything on disk.
      const seen = new Set(this.reports.map((r) => r.id));
      this.reports = [...this.reports, ...reports.filter((r) => !seen.has(r.id))];
      this.fire();
    } catch (e) {
      this.log(`Could not read saved reports: ${(e as Error).message}`);
    }
  }

  private fire(): void {
    const groups = this.byFunction();
    void vscode.commands.executeCommand('setContext', ContextKeys.hasResults, this.reports.length > 0);
    void vscode.commands.executeCommand('setContext', ContextKeys.canCompare, [...groups.values()].some((g) => g.length > 1));
    this.changed.fire();
  }
}
