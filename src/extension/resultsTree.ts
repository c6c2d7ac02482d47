// The sidebar: one node per profiled function, its runs below it newest first, each
// coloured by verdict and described by its speedup and age.
import * as vscode from 'vscode';
import { relative } from 'node:path';
import type { Report, WorkloadKind } from '../shared/report';
import { Commands } from './commandIds';
import { Disposable } from './dispose';
import type { SavedResults } from './savedResults';
import { pct, relativeTime, x } from '../shared/format';
import { executorAt, kindLabel } from '../shared/names';
import { recommendationShort, verdictLine } from '../shared/wording';

export type ResultNode =
  | { type: 'function'; key: string; name: string; file: string; runs: Report[] }
  | { type: 'run'; report: Report; key: string };

const ICON: Record<WorkloadKind, [icon: string, color: string]> = {
  'cpu-bound': ['flame', 'charts.red'],
  'io-bound': ['watch', 'charts.blue'],
  mixed: ['pulse', 'charts.yellow'],
};

/** Relative times in descriptions go stale; redraw them this often. */
const AGE_REFRESH_MS = 60_000;

export class ResultsTree extends Disposable implements vscode.TreeDataProvider<ResultNode> {
  private readonly changed = this.register(new vscode.EventEmitter<ResultNode | undefined | void>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly results: SavedResults,
    private readonly root: string | undefined,
  ) {
    super();
    this.register(results.onDidChange(() => this.changed.fire()));
    const timer = setInterval(() => this.changed.fire(), AGE_REFRESH_MS);
    this.register({ dispose: () => clearInterval(timer) });
  }

  getChildren(node?: ResultNode): ResultNode[] {
    if (!node) {
      return [...this.results.byFunction()].map(([key, runs]) => ({
        type: 'function',
        key,
        name: runs[0].target.function,
        file: runs[0].target.file,
        runs,
      }));
    }
    if (node.type === 'function') return node.runs.map((report) => ({ type: 'run', report, key: node.key }));
    return [];
  }

  getParent(node: ResultNode): ResultNode | undefined {
    if (node.type === 'function') return undefined;
    return this.getChildren().find((f) => f.type === 'function' && f.key === node.key);
  }

  getTreeItem(node: ResultNode): vscode.TreeItem {
    if (node.type === 'function') {
      const latest = node.runs[0];
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `fn:${node.key}`;
      item.description = this.displayPath(node.file);
      item.iconPath = verdictIcon(latest.verdict.kind);
      item.contextValue = 'function';
      item.tooltip = tooltip(latest, `${node.name} — ${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`);
      return item;
    }
    const r = node.report;
    const item = new vscode.TreeItem(`${kindLabel(r.verdict.kind)} · ${executorAt(r.recommendation.executor, r.recommendation.workers, r.recommendation.atLeast)}`);
    item.id = `run:${r.id}`;
    item.description = `${r.recommendation.atLeast ? '≥' : ''}${x(r.recommendation.expectedSpeedup)} · ${relativeTime(r.createdAt)}`;
    item.iconPath = verdictIcon(r.verdict.kind);
    item.contextValue = 'run';
    item.tooltip = tooltip(r, verdictLine(r));
    item.command = { command: Commands.openRun, title: 'Open Report', arguments: [node] };
    item.accessibilityInformation = {
      label: `${verdictLine(r)}, ${relativeTime(r.createdAt)}`,
      role: 'treeitem',
    };
    return item;
  }

  private displayPath(file: string): string {
    if (!this.root) return file;
    const rel = relative(this.root, file);
    return rel.startsWith('..') ? file : rel;
  }
}

function verdictIcon(kind: WorkloadKind): vscode.ThemeIcon {
  const [icon, color] = ICON[kind];
  return new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
}

function tooltip(r: Report, heading: string): vscode.MarkdownString {
  // appendText escapes: function names and args come from user code.
  const md = new vscode.MarkdownString();
  md.appendMarkdown('**');
  md.appendText(heading);
  md.appendMarkdown('**\n\n');
  md.appendText(`${kindLabel(r.verdict.kind)}, confidence ${pct(r.verdict.confidence)}`);
  md.appendMarkdown('  \n');
  md.appendText(`Recommended: ${recommendationShort(r.recommendation)}`);
  md.appendMarkdown('  \n');
  md.appendText(`Args ${JSON.stringify(r.target.args)} · ${new Date(r.createdAt).toLocaleString()}`);
  return md;
}
