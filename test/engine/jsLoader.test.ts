// Loading real user files through the JS runtime: every flavour of module, a
// dependency from the user's own workspace, bad input, and stacks that point at the
// user's lines. Each probe runs the function for real in a worker thread.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileError } from '../../src/shared/errors';
import type { ExecutorLimits, TargetRuntime } from '../../src/engine/executorTypes';
import { createJsRuntime } from '../../src/engine/js/jsRuntime';
import { packageRoot } from '../../src/engine/paths';

const FIXTURES = join(packageRoot(), 'test', 'fixtures', 'js');
const fx = (name: string) => join(FIXTURES, name);
const limits: ExecutorLimits = { callTimeoutMs: 5000, memoryLimitMb: 256, maxOutputBytes: 4096 };

async function probeOf(file: string, functionName: string, args: unknown[] = [], extra: { sourceText?: string } = {}) {
  const rt = await createJsRuntime({ file, functionName, args, ...extra }, limits);
  try {
    return { rt, probe: await rt.probe(new AbortController().signal) };
  } finally {
    await rt.dispose();
  }
}

async function badInput(file: string, functionName: string, pattern: RegExp): Promise<void> {
  await assert.rejects(createJsRuntime({ file, functionName, args: [] }, limits), (e: unknown) => {
    assert.ok(e instanceof ProfileError, `expected a ProfileError, got ${String(e)}`);
    assert.equal(e.code, 'bad-input');
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'the message is one line');
    return true;
  });
}

describe('JS loader', function () {
  this.timeout(60_000);

  it('runs a TypeScript function, exported or a private helper', async () => {
    for (const name of ['exported', 'sumDistances']) {
      const { rt, probe } = await probeOf(fx('typed.ts'), name, [50]);
      assert.equal(probe.error, undefined, `${name}: ${JSON.stringify(probe.error)}`);
      assert.equal(rt.target.language, 'typescript');
    }
  });

  it('runs ESM (.mjs), CommonJS (.cjs) including a non-exported helper, .tsx and .jsx', async () => {
    const cases: [string, string, unknown[]][] = [
      ['sleep.mjs', 'sleep', [1]],
      ['commonjs.cjs', 'helper', [2]],
      ['commonjs.cjs', 'arrow', [2]],
      ['cpu.js', 'busy', [1]],
      ['tiny.js', 'tiny', [10]],
      ['component.tsx', 'renderGreeting', ['world']],
      ['jsxComponent.jsx', 'render', ['hi']],
    ];
    for (const [file, name, args] of cases) {
      const { rt, probe } = await probeOf(fx(file), name, args);
      assert.equal(probe.error, undefined, `${file} ${name}: ${JSON.stringify(probe.error)}`);
      assert.ok(probe.wallMs >= 0);
      assert.equal(rt.target.language, file.endsWith('x') && file.includes('.ts') ? 'typescript' : 'javascript');
    }
  });

  it('reports async functions as async', async () => {
    const rt = await createJsRuntime({ file: fx('sleep.mjs'), functionName: 'sleep', args: [] }, limits);
    assert.equal(rt.target.isAsync, true);
    await rt.dispose();
  });

  it('resolves bare imports from the user workspace node_modules, not ours', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'wp-workspace-'));
    try {
      const dep = join(ws, 'node_modules', 'some-dep');
      mkdirSync(dep, { recursive: true });
      writeFileSync(join(dep, 'package.json'), JSON.stringify({ name: 'some-dep', version: '1.0.0', main: 'index.js' }));
      writeFileSync(join(dep, 'index.js'), 'exports.answer = () => 42;\nexports.where = __filename;\n');
      const esmDep = join(ws, 'node_modules', 'esm-dep');
      mkdirSync(esmDep, { recursive: true });
      writeFileSync(join(esmDep, 'package.json'), JSON.stringify({ name: 'esm-dep', type: 'module', exports: { '.': './main.js' } }));
      writeFileSync(join(esmDep, 'main.js'), 'export const double = (n) => n * 2;\n');
      mkdirSync(join(ws, 'src'));
      const file = join(ws, 'src', 'work.ts');
      writeFileSync(
        file,
        [
          "import { answer, where } from 'some-dep';",
          "import { double } from 'esm-dep';",
          "const cjs = require('some-dep');",
          'function usesDeps(n: number): number {',
          "  if (answer() !== 42 || double(n) !== n * 2 || cjs.answer() !== 42) throw new Error('wrong dependency');",
          "  if (!where.startsWith(process.env.WP_WS as string)) throw new Error('loaded from ' + where);",
          '  return answer();',
          '}',
        ].join('\n'),
      );
      process.env.WP_WS = ws;
      const rt = await createJsRuntime({ file, functionName: 'usesDeps', args: [3], workspaceRoot: ws }, limits);
      try {
        const bundle = readFileSync(rt.target.bundlePath!, 'utf8');
        assert.ok(!bundle.includes('exports.answer = () => 42'), 'the dependency stays external');
        assert.ok(bundle.includes(join(dep, 'index.js')), 'it points at the workspace copy');
        const probe = await rt.probe(new AbortController().signal);
        assert.equal(probe.error, undefined, JSON.stringify(probe.error));
      } finally {
        await rt.dispose();
      }
    } finally {
      delete process.env.WP_WS;
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('profiles unsaved editor text instead of the file on disk', async () => {
    const sourceText = "export function fromBuffer(n) {\n  if (n !== 7) throw new Error('unexpected');\n  throw new Error('from the unsaved buffer');\n}\n";
    const { probe } = await probeOf(fx('tiny.js'), 'fromBuffer', [7], { sourceText });
    assert.equal(probe.error?.message, 'from the unsaved buffer');
    assert.match(probe.error?.stack ?? '', /tiny\.js:3:9/);
  });

  it('maps a thrown error to the user line and trims our runtime frames', async () => {
    const { probe } = await probeOf(fx('stackTrace.mjs'), 'callsHelper');
    assert.equal(probe.error?.kind, 'Error');
    assert.equal(probe.error?.message, 'thrown on line 6');
    assert.match(probe.error?.stack ?? '', /at callsHelper \(.*stackTrace\.mjs:6:\d+\)/);
    assert.doesNotMatch(probe.error?.stack ?? '', /dist[\\/]hosted|node:internal|piscina/);

    const nested = (await probeOf(fx('stackTrace.mjs'), 'throwsInHelper')).probe;
    assert.match(nested.error?.stack ?? '', /stackHelper\.mjs:2:\d+[\s\S]*stackTrace\.mjs:11:\d+/);

    const typed = (await probeOf(fx('typed.ts'), 'throwsTyped', [1])).probe;
    assert.equal(typed.error?.kind, 'TypeError');
    assert.match(typed.error?.stack ?? '', /typed\.ts:24:\d+/);
  });

  it('reports a module that throws while loading as the function failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wp-load-'));
    try {
      const file = join(dir, 'top.js');
      writeFileSync(file, "function f() { return 1; }\nthrow new Error('top-level boom');\n");
      const { probe } = await probeOf(file, 'f');
      assert.equal(probe.error?.message, 'top-level boom');
      assert.match(probe.error?.stack ?? '', /top\.js:2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the bundle privately (0700 dir, 0600 file) and removes it on dispose', async () => {
    const rt: TargetRuntime = await createJsRuntime({ file: fx('cpu.js'), functionName: 'busy', args: [1] }, limits);
    const { tempDir, bundlePath } = rt.target;
    assert.ok(tempDir && bundlePath);
    if (process.platform !== 'win32') {
      assert.equal(statSync(tempDir).mode & 0o777, 0o700);
      assert.equal(statSync(bundlePath).mode & 0o777, 0o600);
    }
    assert.match(readFileSync(bundlePath, 'utf8'), /sourceMappingURL=data:application\/json/);
    await rt.dispose();
    assert.equal(existsSync(tempDir), false);
    await rt.dispose();
  });

  describe('bad input, each a one-line message', () => {
    it('a missing file', () => badInput(fx('nope.js'), 'f', /^File not found: .*nope\.js/));
    it('a directory', () => badInput(FIXTURES, 'f', /is a directory, not a source file/));
    it('an unsupported extension', () => badInput(join(packageRoot(), 'package.json'), 'f', /Unsupported file type/));
    it('a binary file', () => badInput(fx('binary.js'), 'f', /is not a text source file/));
    it('an empty file', () => badInput(fx('empty.js'), 'f', /is empty/));
    it('a missing function, listing the ones there', () =>
      badInput(fx('typed.ts'), 'nope', /No top-level function "nope" in .*typed\.ts\. Top-level functions there: distance, sumDistances, exported, throwsTyped\./));
    it('a class', () => badInput(fx('typed.ts'), 'NotAFunction', /"NotAFunction" in .* is a class, not a function/));
    it('a variable', () => badInput(fx('typed.ts'), 'notAFunctionEither', /is a variable, not a function/));
    it('a syntax error, with file:line:col', () => badInput(fx('syntaxError.ts'), 'broken', /^Syntax error in .*syntaxError\.ts:2:13: /));
    it('a type-strip error esbuild finds', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wp-strip-'));
      try {
        const file = join(dir, 'strip.ts');
        // Parses for Babel, but esbuild rejects it: an enum with a duplicate member.
        writeFileSync(file, 'export function f() { return 1; }\nenum E { A, A }\n');
        await badInput(file, 'f', /^Syntax error in .*strip\.ts:2:\d+: /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it('an import that is not installed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wp-missing-dep-'));
      try {
        const file = join(dir, 'dep.mjs');
        writeFileSync(file, "import x from 'surely-not-installed-pkg/sub';\nexport function f() { return x; }\n");
        await badInput(file, 'f', /^Cannot resolve import "surely-not-installed-pkg\/sub" in .*dep\.mjs:1:\d+\. Install it .*npm install surely-not-installed-pkg\)/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
