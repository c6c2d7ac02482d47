// Runs inside a real extension host (VS Code via @vscode/test-electron, or code-server
// via test/e2e). The fixtures are found next to this suite, not through the open
// workspace, because the e2e harness opens a workspace of its own.
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID, PROFILE_LENS_TITLE, REPORT_VIEW_TYPE, RESULTS_VIEW_ID } from '../../src/extension/commandIds';
import type { WorkloadProfilerApi } from '../../src/extension/extension';
import { SECTION, SettingKeys } from '../../src/extension/settings';
import type { Report } from '../../src/shared/report';
import { verdictLine } from '../../src/webview/labels';

/** dist/test-integration/extension.test.js → test/integration/workspace. */
function fixturesDir(): string {
  const candidates = [resolve(__dirname, '..', '..', 'test', 'integration', 'workspace'), resolve(__dirname, 'workspace')];
  const found = candidates.find((d) => existsSync(join(d, 'cpu.js')));
  if (!found) throw new Error(`integration fixtures not found in ${candidates.join(' or ')}`);
  return found;
}

const fixture = (name: string) => vscode.Uri.file(join(fixturesDir(), name));

async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  // Lenses are computed for open documents only.
  await vscode.workspace.openTextDocument(uri);
  // The provider waits for typing to pause before parsing, so poll briefly.
  let lenses: vscode.CodeLens[] = [];
  for (let i = 0; i < 40; i++) {
    lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    if (lenses.some((l) => l.command)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return lenses;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Workload Profiler extension', function () {
  let api: WorkloadProfilerApi;
  let fibReport: Report;
  const scratch = mkdtempSync(join(tmpdir(), 'wp-integration-'));

  before(async () => {
    const ext = vscode.extensions.getExtension<WorkloadProfilerApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in this extension host`);
    api = await ext.activate();
    await api.ready;
    await vscode.commands.executeCommand(Commands.clearResults, true);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('registers every command it contributes, and contributes every command it registers', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of Object.values(Commands)) assert.ok(registered.has(id), `${id} is not registered`);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const contributed = (pkg.contributes.commands as { command: string; category: string; icon: string }[]);
    assert.deepEqual(contributed.map((c) => c.command).sort(), Object.values(Commands).sort());
    for (const c of contributed) {
      assert.equal(c.category, 'Workload Profiler');
      assert.match(c.icon, /^\$\([a-z-]+\)$/);
    }
    assert.ok(pkg.contributes.views.workloadProfiler.some((v: { id: string }) => v.id === RESULTS_VIEW_ID));
    assert.ok((pkg.activationEvents as string[]).includes(`onWebviewPanel:${REPORT_VIEW_TYPE}`));
  });

  it('declares every setting with a description, a type and bounds', () => {
    const props = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.configuration.properties;
    for (const key of Object.values(SettingKeys)) {
      const p = props[`${SECTION}.${key}`];
      assert.ok(p, `${key} is not declared`);
      assert.ok(p.description || p.markdownDescription, `${key} has no description`);
      assert.ok(p.type, `${key} has no type`);
      if (p.type === 'number' || p.type === 'integer') assert.ok(p.minimum !== undefined && p.maximum !== undefined, `${key} has no bounds`);
    }
    assert.equal(vscode.workspace.getConfiguration(SECTION).inspect(SettingKeys.budgetSeconds)?.defaultValue, 15);
  });

  it('puts a "Profile workload" lens above every top-level function in JS, TS and TSX', async () => {
    const js = await lensesOf(fixture('cpu.js'));
    assert.deepEqual(
      js.filter((l) => l.command?.title === PROFILE_LENS_TITLE).map((l) => [l.range.start.line, l.command!.arguments![1]]),
      [
        [2, 'fib'],
        [7, 'square'],
      ],
    );
    const ts = await lensesOf(fixture('io.ts'));
    assert.deepEqual(ts.filter((l) => l.command?.title === PROFILE_LENS_TITLE).map((l) => l.command!.arguments![1]), ['wait', 'double']);
    const tsx = await lensesOf(fixture('component.tsx'));
    assert.deepEqual(tsx.filter((l) => l.command?.title === PROFILE_LENS_TITLE).map((l) => l.command!.arguments![1]), ['rows']);
    assert.equal(js[0].command!.command, Commands.profileFunction);
  });

  it('puts the lens above top-level Python functions too', async () => {
    const py = await lensesOf(fixture('sleepy.py'));
    assert.deepEqual(py.filter((l) => l.command?.title === PROFILE_LENS_TITLE).map((l) => l.command!.arguments![1]), ['nap', 'spin']);
  });

  it('shows no lens, and no error, for a file that does not parse', async () => {
    const document = await vscode.workspace.openTextDocument(fixture('broken.js'));
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
    assert.deepEqual(lenses, []);
  });

  it('hides the lenses when workloadProfiler.codeLens.enabled is off', async () => {
    const config = vscode.workspace.getConfiguration(SECTION);
    await config.update(SettingKeys.codeLensEnabled, false, vscode.ConfigurationTarget.Global);
    try {
      const document = await vscode.workspace.openTextDocument(fixture('cpu.js'));
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
      assert.deepEqual(lenses, []);
    } finally {
      await config.update(SettingKeys.codeLensEnabled, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('profiles a CPU-bound function for real, fills the tree, opens the report and adds a verdict lens', async function () {
    this.timeout(60_000);
    const report = await vscode.commands.executeCommand<Report | undefined>(Commands.profileFunction, fixture('cpu.js'), 'fib');
    assert.ok(report, 'the profile produced no report');
    fibReport = report;
    assert.equal(report.target.function, 'fib');
    assert.deepEqual(report.target.args, [30]);
    assert.equal(report.budgetMs, 3000, 'the @workload budget=3 directive applies');
    // Other work on a shared 2-core machine can make a busy loop look "mixed"; it must
    // never look like waiting. (The e2e flows check the exact CPU-bound verdict.)
    assert.notEqual(report.verdict.kind, 'io-bound');
    assert.ok(report.runs.some((r) => r.executor === 'sequential'));

    const roots = api.tree().getChildren();
    const fn = roots.find((n) => n.type === 'function' && n.name === 'fib');
    assert.ok(fn, 'no tree node for fib');
    const runs = api.tree().getChildren(fn);
    assert.equal(runs.length, 1);
    const item = api.tree().getTreeItem(runs[0]);
    assert.match(String(item.label), /^(CPU-bound|Mixed) · /);
    assert.match(String(item.description), /×/);
    assert.equal(item.command?.command, Commands.openRun);

    await waitFor('the report panel', () => api.panelTitles().find((t) => t === 'Workload Profile: fib'));

    const lenses = await lensesOf(fixture('cpu.js'));
    assert.ok(lenses.some((l) => l.command?.title === verdictLine(report)), `no verdict lens; lenses: ${lenses.map((l) => l.command?.title).join(' | ')}`);
  });

  it('profiles the buffer with its unsaved edits, and an I/O-bound wait is classified as such', async function () {
    this.timeout(60_000);
    // A copy, so that the repository's fixture is never edited; auto-save off, so the
    // buffer really differs from the file while it is profiled.
    const copy = vscode.Uri.file(join(scratch, 'edited.ts'));
    copyFileSync(fixture('io.ts').fsPath, copy.fsPath);
    const files = vscode.workspace.getConfiguration('files');
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    const document = await vscode.workspace.openTextDocument(copy);
    await vscode.window.showTextDocument(document);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(
      document.uri,
      new vscode.Position(document.lineCount, 0),
      '\n// @workload args=[30] budget=3\nexport async function unsavedWait(ms: number): Promise<number> {\n  await new Promise((r) => setTimeout(r, ms));\n  return ms;\n}\n',
    );
    try {
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(document.isDirty);
      const report = await vscode.commands.executeCommand<Report | undefined>(Commands.profileFunction, document.uri, 'unsavedWait');
      assert.ok(report, 'the profile of the unsaved function produced no report');
      assert.equal(report.target.function, 'unsavedWait');
      assert.equal(report.verdict.kind, 'io-bound');
      assert.ok(!readFileSync(copy.fsPath, 'utf8').includes('unsavedWait'), 'the edit was saved to disk, so this test proved nothing');
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await files.update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('runs one profile at a time: a second request is refused, and Cancel stops the first', async function () {
    this.timeout(60_000);
    const first = vscode.commands.executeCommand<Report | undefined>(Commands.profileFunction, fixture('cpu.js'), 'fib');
    await waitFor('the first profile to start', () => api.runningProfile());
    const second = await vscode.commands.executeCommand<Report | undefined>(Commands.profileFunction, fixture('io.ts'), 'wait');
    assert.equal(second, undefined, 'a second profile ran while the first was running');
    api.cancelProfile();
    assert.equal(await first, undefined, 'a cancelled profile still returned a report');
    assert.equal(api.runningProfile(), undefined);
  });

  it('shows the stack of a function that throws in the panel instead of a report', async function () {
    this.timeout(60_000);
    const before = api.results().length;
    const report = await vscode.commands.executeCommand<Report | undefined>(Commands.profileFunction, fixture('fails.js'), 'alwaysFails');
    assert.equal(report, undefined);
    assert.equal(api.results().length, before, 'a failed run must not be saved as a report');
    await waitFor('the error panel', () => api.panelTitles().find((t) => t === 'Workload Profile: alwaysFails'));
  });

  it('exports the report as JSON and as Markdown', async () => {
    const json = vscode.Uri.file(join(scratch, 'fib.json'));
    const md = vscode.Uri.file(join(scratch, 'fib.md'));
    assert.equal((await vscode.commands.executeCommand<vscode.Uri>(Commands.exportReport, fibReport.id, 'json', json))?.fsPath, json.fsPath);
    assert.equal(JSON.parse(readFileSync(json.fsPath, 'utf8')).id, fibReport.id);
    await vscode.commands.executeCommand(Commands.exportReport, fibReport.id, 'markdown', md);
    const text = readFileSync(md.fsPath, 'utf8');
    assert.match(text, /fib/);
    const kind = { 'cpu-bound': /cpu.bound/i, 'io-bound': /i\/?o.bound/i, mixed: /mixed/i }[fibReport.verdict.kind];
    assert.match(text, kind, 'the Markdown names the verdict');
  });

  it('re-runs the last profile and compares it with the previous run', async function () {
    this.timeout(60_000);
    // The last run that started was the failing one; re-run fib through its tree node instead.
    const again = await vscode.commands.executeCommand<Report | undefined>(Commands.rerunRun, fibReport.id);
    assert.ok(again && again.id !== fibReport.id);
    const previous = await vscode.commands.executeCommand<Report | undefined>(Commands.compareWithPrevious, again.id);
    assert.equal(previous?.id, fibReport.id);
    const fn = api.tree().getChildren().find((n) => n.type === 'function' && n.name === 'fib')!;
    const runs = api.tree().getChildren(fn);
    assert.deepEqual(
      runs.map((r) => (r.type === 'run' ? r.report.id : '')),
      [again.id, fibReport.id],
      'runs are listed newest first',
    );
  });

  it('re-runs a report at another budget, as the panel\'s "Re-run at N s" does', async function () {
    this.timeout(60_000);
    const longer = await vscode.commands.executeCommand<Report | undefined>(Commands.rerunRun, fibReport.id, 2);
    assert.ok(longer && longer.id !== fibReport.id);
    assert.equal(longer.budgetMs, 2000);
    assert.deepEqual(longer.target.args, fibReport.target.args);
    // A tree node's inline action passes the selection as its second argument: that is no budget.
    const same = await vscode.commands.executeCommand<Report | undefined>(Commands.rerunRun, longer.id, [longer.id]);
    assert.equal(same?.budgetMs, 2000);
  });

  it('deletes a run from the tree, then clears every result', async () => {
    const fn = api.tree().getChildren().find((n) => n.type === 'function' && n.name === 'fib')!;
    const [newest] = api.tree().getChildren(fn);
    await vscode.commands.executeCommand(Commands.deleteRun, newest);
    assert.ok(!api.results().some((r) => newest.type === 'run' && r.id === newest.report.id));
    await vscode.commands.executeCommand(Commands.clearResults, true);
    assert.deepEqual(api.results(), []);
    assert.deepEqual(api.tree().getChildren(), []);
  });
});
