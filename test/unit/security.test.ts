// Security rows of the fault table: the report webview's CSP, workspace trust, and
// arguments that are data, never code. (Temp-bundle permissions are checked at profile
// level in test/engine/faults.test.ts; markup in names and errors is rendered as text
// in the e2e flow `xss`.)
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { parseArgsJson, substituteIndex } from '../../src/shared/args';
import { requireLanguage } from '../../src/engine/languages/language';
import { packageRoot } from '../../src/engine/paths';

const root = packageRoot();
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

function sourceFiles(dir: string, ext: RegExp): string[] {
  return readdirSync(path.join(root, dir)).flatMap((n) => {
    const rel = path.join(dir, n);
    return statSync(path.join(root, rel)).isDirectory() ? sourceFiles(rel, ext) : ext.test(n) ? [rel] : [];
  });
}

/** The extension's page builder, loaded with a minimal stand-in for the vscode module. */
async function loadPageHtml() {
  const vscodeStub = {
    Uri: { joinPath: (base: { path: string }, ...parts: string[]) => ({ path: path.posix.join(base.path, ...parts) }) },
    EventEmitter: class {},
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? vscodeStub : original(request, ...rest));
  try {
    return (await import('../../src/extension/reportPanel.js')).pageHtml;
  } finally {
    loader._load = original;
  }
}

describe('security', () => {
  describe('report webview', () => {
    const webview = {
      cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
      asWebviewUri: (u: { path: string }) => ({ toString: () => `https://file+.vscode-resource.vscode-cdn.net${u.path}` }),
    };
    const extensionUri = { path: '/ext' };

    it('has a strict CSP: nothing by default, scripts only by nonce, no eval, no inline styles', async () => {
      const pageHtml = await loadPageHtml();
      const html = pageHtml(webview as never, extensionUri as never);
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
      assert.ok(csp, 'a CSP meta tag');
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      assert.deepEqual(directives.get('default-src'), ["'none'"]);
      const scriptSrc = directives.get('script-src') ?? [];
      assert.equal(scriptSrc.length, 1, `script-src ${scriptSrc.join(' ')}`);
      const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(scriptSrc[0])?.[1];
      assert.ok(nonce && Buffer.from(nonce, 'base64').length >= 16, 'a nonce of at least 128 bits');
      assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|unsafe-hashes|\*|data:[^;]*script/);
      assert.deepEqual(directives.get('style-src'), [webview.cspSource]);
      // Every script tag carries the nonce; nothing inline, no event-handler attributes.
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.ok(scripts.length >= 1);
      for (const [, attrs, body] of scripts) {
        assert.match(attrs, new RegExp(`nonce="${nonce.replace(/[+/=]/g, '\\$&')}"`));
        assert.equal(body.trim(), '', 'no inline script');
      }
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
      assert.notEqual(/'nonce-([^']+)'/.exec(pageHtml(webview as never, extensionUri as never))?.[1], nonce, 'a fresh nonce per page');
    });

    it('renders user-controlled text as text: no innerHTML, document.write or eval in the webview code', () => {
      for (const file of sourceFiles('src/webview', /\.ts$/)) {
        const text = read(file);
        assert.doesNotMatch(text, /\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, file);
      }
      // The one element builder turns every string child into a text node.
      assert.match(read('src/webview/dom.ts'), /document\.createTextNode\(String\(child\)\)/);
    });
  });

  describe('workspace trust', () => {
    const pkg = JSON.parse(read('package.json'));
    const runsUserCode = ['workloadProfiler.profileAtCursor', 'workloadProfiler.profileFunction', 'workloadProfiler.rerunLast', 'workloadProfiler.rerunRun'];

    it('declares limited support and restricts the interpreter setting in untrusted workspaces', () => {
      assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
      assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('workloadProfiler.pythonPath'));
    });

    it('disables every command that runs user code, in the palette and in every menu', () => {
      for (const id of runsUserCode) {
        const command = pkg.contributes.commands.find((c: { command: string }) => c.command === id);
        assert.equal(command?.enablement, 'isWorkspaceTrusted', id);
      }
      for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>)) {
        for (const item of items.filter((i) => runsUserCode.includes(i.command))) {
          assert.ok(item.when === 'false' || /\bisWorkspaceTrusted\b/.test(item.when ?? ''), `${menu}: ${item.command} when "${item.when}"`);
        }
      }
      // Other extensions can call a command whatever its enablement: the code checks too.
      const commands = read('src/extension/commands.ts');
      for (const method of ['profileAtCursor', 'profileFunction', 'profile']) {
        const body = new RegExp(`\\n  async ${method}\\([^)]*(?:\\([^)]*\\)[^)]*)*\\)[^{]*\\{\\n((?:.*\\n){1,3})`).exec(commands)?.[1] ?? '';
        assert.match(body, /if \(!requireTrust\(\)\) return undefined;/, `${method} checks trust first`);
      }
      assert.match(commands, /export function requireTrust\(\): boolean \{\n\s+if \(vscode\.workspace\.isTrusted\) return true;/);
      // The one place a profile starts is behind that check.
      assert.equal(commands.match(/runner\.run\(/g)?.length, 1);
      assert.ok(commands.indexOf('runner.run(') > commands.indexOf('async profile(\n'));
    });

    it('shows no code lens and lists no Python functions (which runs an interpreter) in Restricted Mode', () => {
      assert.match(read('src/extension/codeLensProvider.ts'), /if \(!vscode\.workspace\.isTrusted\b.*\) return \[\];/);
      assert.match(read('src/extension/functionIndex.ts'), /if \(!language \|\| \(language\.listingRunsInterpreter && !vscode\.workspace\.isTrusted\)\) return undefined;/);
      // Python is the language whose listing runs an interpreter (src/engine/languages).
      assert.equal(requireLanguage('x.py').listingRunsInterpreter, true);
    });
  });

  describe('arguments are JSON data, never code', () => {
    it('no eval, Function constructor or vm anywhere in the engine, the runtimes, the CLI or the extension', () => {
      for (const file of sourceFiles('src', /\.ts$/)) {
        const code = read(file).replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
        // `.eval(` on a Redis client is Redis's EVAL (a Lua script run by the server), not JS eval.
        assert.doesNotMatch(code, /(?<![.\w])eval\s*\(|\b(globalThis|global|window|self)\s*\.\s*eval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]|['"](node:)?vm['"]|\bvm\.(runIn|compileFunction|Script)/, file);
      }
    });

    it('the Python harness parses commands as JSON and evaluates no argument', () => {
      // harness.py and the modules it is split into (python/harness_*.py).
      const harness = readdirSync(path.join(root, 'python'))
        .filter((n) => /^harness(_\w+)?\.py$/.test(n))
        .map((n) => read(`python/${n}`))
        .join('\n');
      assert.doesNotMatch(harness, /\beval\(|\bast\.literal_eval|\bimportlib\.import_module\(.*args/);
      // exec runs the user's module, compiled from their file, and nothing else.
      assert.deepEqual(harness.match(/\bexec\(.*\)/g), ['exec(code, module.__dict__)']);
      assert.match(harness, /cmd = json\.loads\(line\.decode\("utf-8"\)\)/);
    });

    it('code-looking arguments stay strings; "$i" is the only substitution; __proto__ stays a key', () => {
      const args = parseArgsJson('["process.exit(1)", "${process.pid}", {"__proto__": {"polluted": true}, "n": "$i"}, "`$i`"]');
      const called = substituteIndex(args, 7) as [string, string, Record<string, unknown>, string];
      assert.equal(called[0], 'process.exit(1)');
      assert.equal(called[1], '${process.pid}');
      assert.equal(called[2].n, 7);
      assert.ok(Object.prototype.hasOwnProperty.call(called[2], '__proto__'));
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      // The "$i" token inside a string becomes digits (issue 13), never anything evaluated.
      assert.equal(called[3], '`7`');
      assert.throws(() => parseArgsJson('[1]; process.exit(1)'), /--args must be a JSON array/);
      assert.throws(() => parseArgsJson('(() => [1])()'), /--args must be a JSON array/);
    });
  });
});
