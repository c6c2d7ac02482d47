// ESLint keeps `vscode` out of the engine (it replaced a mocha test that grepped for it):
// check that the config really refuses every import form outside the extension shell,
// and allows it inside, by linting snippets under those paths with the project's config.
// One child process lints them all (ESLint is ESM and not bundled into the tests).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../../src/engine/paths';

const root = packageRoot();

interface Case {
  file: string;
  code: string;
}

/** The rule ids ESLint reports for each snippet, linted as if it were that file of this repository. */
function lintAll(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: process.cwd() });
    const cases = JSON.parse(process.argv[1]);
    const out = [];
    for (const c of cases) out.push((await eslint.lintText(c.code, { filePath: c.file }))[0].messages.map((m) => m.ruleId));
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[][];
}

const FORMS = {
  'import from': "import * as vscode from 'vscode';\nexport const x = vscode;\n",
  'import = require': "import vscode = require('vscode');\nexport const x = vscode;\n",
  'dynamic import': "export const x = import('vscode');\n",
};

describe('lint config', function () {
  this.timeout(120_000);

  it('refuses vscode outside the extension shell in every import form, and allows it inside', () => {
    const refused: Case[] = ['src/engine', 'src/hosted', 'src/shared', 'src/analysis', 'src/cli', 'test/unit'].flatMap((dir) => Object.values(FORMS).map((code) => ({ file: `${dir}/probe.ts`, code })));
    refused.push({ file: 'src/hosted/probe.cjs', code: "module.exports = require('vscode');\n" });
    const allowed: Case[] = ['src/extension', 'test/integration'].map((dir) => ({ file: `${dir}/probe.ts`, code: FORMS['import from'] }));
    const results = lintAll([...refused, ...allowed]);
    refused.forEach((c, i) => {
      const rules = results[i];
      assert.ok(rules.includes('no-restricted-imports') || rules.includes('no-restricted-syntax'), `${c.file}: ${c.code.split('\n')[0]} → ${rules.join(', ')}`);
    });
    allowed.forEach((c, i) => assert.deepEqual(results[refused.length + i], [], c.file));
  });
  it('keeps each layer to the folders below it (README, "Architecture")', () => {
    // [the importing file, what it imports, whether the layers allow it]
    const table: [string, string, boolean][] = [
      ['src/analysis/probe.ts', '../engine/profile', false], ['src/analysis/probe.ts', '../hosted/lib/targetHost', false],
      ['src/shared/probe.ts', '../analysis/compare', false], ['src/shared/queue/probe.ts', '../../engine/queue/profileQueue', false],
      ['src/hosted/probe.ts', '../engine/js/processPool', false], ['src/engine/probe.ts', '../extension/commands', false],
      ['src/engine/probe.ts', '../webview/main', false], ['src/webview/probe.ts', '../engine/profile', false],
      ['src/analysis/probe.ts', '../shared/report', true], ['src/hosted/probe.ts', '../shared/jsProtocol', true],
      ['src/hosted/engineHost.ts', '../engine/profile', true], ['src/engine/probe.ts', '../analysis/index', true],
      ['src/engine/probe.ts', '../webview/protocol', true], ['src/webview/probe.ts', '../analysis/compare', true],
    ];
    const results = lintAll(table.map(([file, from]) => ({ file, code: `import * as m from '${from}';\nexport const x = m;\n` })));
    table.forEach(([file, from, allowed], i) => {
      if (allowed) assert.deepEqual(results[i], [], `${file} may import ${from}`);
      else assert.ok(results[i].includes('no-restricted-imports'), `${file} must not import ${from}: ${results[i].join(', ')}`);
    });
  });
});
