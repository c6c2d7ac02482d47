// The engine must run in plain Node (CLI, mocha) and in the extension host alike, so
// nothing under src/core may import the vscode API. This is the lint rule, as a test.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/core/paths';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('pure core', () => {
  it('never imports vscode under src/core or src/runtime', () => {
    const root = packageRoot();
    const offenders = [...tsFiles(path.join(root, 'src/core')), ...tsFiles(path.join(root, 'src/runtime'))].filter((f) =>
      /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
});
