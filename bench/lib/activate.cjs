// Times the extension's activation outside VS Code, in a fresh Node process (as a new
// extension host would be): require(dist/extension.js) + activate(context), with a
// `vscode` module stubbed in via Module._resolveFilename and require.cache.
//
//   node activate.cjs <dist/extension.js> <package.json> <scratch dir>
// prints {"requireMs","activateMs","totalMs","subscriptions"} on stdout.
//
// The stub is real where activation reads values (Uri, settings with package.json's
// defaults, an open workspace folder, EventEmitter, Disposable) and a recording no-op
// everywhere else (register*, create*, on*), which is what those calls cost before any
// UI exists.
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const [extensionJs, packageJson, scratch] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(packageJson, 'utf8'));
const root = path.dirname(packageJson);

/** Any property, any call, any `new`: returns more of itself; never a thenable. */
function anything(name) {
  const cache = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () {};
      if (typeof prop === 'symbol') return undefined;
      if (prop === 'dispose') return () => {};
      if (!cache.has(prop)) cache.set(prop, anything(`${name}.${String(prop)}`));
      return cache.get(prop);
    },
    apply: () => anything(`${name}()`),
    construct: () => anything(`new ${name}`),
  });
}

/** `real` where given, `anything` for the rest of the namespace. */
function partly(name, real) {
  const rest = anything(name);
  return new Proxy(real, { get: (t, prop) => (prop in t ? t[prop] : rest[prop]) });
}

/**
 * Every top-level name of the real API. Bundlers copy a module's own property names
 * (esbuild's __toESM), so the stub must list each one rather than answer on demand.
 */
function apiNames() {
  try {
    const dts = fs.readFileSync(require.resolve('@types/vscode/index.d.ts', { paths: [root] }), 'utf8');
    return [...dts.matchAll(/^\texport (?:namespace|class|enum|const|let|function) (\w+)/gm)].map((m) => m[1]);
  } catch {
    return ['commands', 'window', 'workspace', 'languages', 'extensions', 'env', 'debug', 'tasks', 'scm', 'tests', 'l10n', 'authentication'];
  }
}

class Uri {
  constructor(scheme, p) {
    this.scheme = scheme;
    this.path = p;
    this.fsPath = p;
    this.authority = '';
    this.query = '';
    this.fragment = '';
  }
  static file(p) {
    return new Uri('file', path.resolve(p));
  }
  static parse(s) {
    return s.startsWith('file://') ? Uri.file(decodeURIComponent(s.slice(7))) : new Uri(s.split(':')[0], s);
  }
  static joinPath(base, ...parts) {
    return Uri.file(path.join(base.fsPath, ...parts));
  }
  with(change) {
    return Object.assign(new Uri(this.scheme, this.path), change);
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
  toJSON() {
    return { scheme: this.scheme, path: this.path };
  }
}

class Disposable {
  constructor(fn) {
    this.fn = fn;
  }
  static from(...ds) {
    return new Disposable(() => ds.forEach((d) => d?.dispose?.()));
  }
  dispose() {
    this.fn?.();
    this.fn = undefined;
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (fn) => {
      this.listeners.add(fn);
      return new Disposable(() => this.listeners.delete(fn));
    };
  }
  fire(e) {
    for (const l of [...this.listeners]) l(e);
  }
  dispose() {
    this.listeners.clear();
  }
}

/** Settings as VS Code gives them with an empty settings.json: package.json's defaults. */
function configuration(section) {
  const props = {};
  for (const c of [].concat(pkg.contributes?.configuration ?? [])) Object.assign(props, c.properties ?? {});
  return {
    get: (key, fallback) => {
      const p = props[section ? `${section}.${key}` : key];
      return p && 'default' in p ? p.default : fallback;
    },
    has: (key) => `${section}.${key}` in props,
    inspect: () => undefined,
    update: async () => {},
  };
}

const workspaceDir = path.join(scratch, 'workspace');
fs.mkdirSync(workspaceDir, { recursive: true });
const noEvent = () => new Disposable();

const real = {
  Uri,
  Disposable,
  EventEmitter,
  version: pkg.engines?.vscode?.replace(/^\^/, '') ?? '1.96.0',
  workspace: partly('vscode.workspace', {
    workspaceFolders: [{ uri: Uri.file(workspaceDir), name: 'workspace', index: 0 }],
    getConfiguration: configuration,
    onDidChangeConfiguration: noEvent,
    textDocuments: [],
  }),
  window: partly('vscode.window', {
    activeTextEditor: undefined,
    visibleTextEditors: [],
    onDidChangeActiveTextEditor: noEvent,
    onDidChangeTextEditorSelection: noEvent,
  }),
  extensions: partly('vscode.extensions', { getExtension: () => undefined, all: [] }),
  env: partly('vscode.env', { language: 'en', appName: 'bench', uiKind: 1 }),
};
const vscode = {};
for (const name of apiNames()) vscode[name] = anything(`vscode.${name}`);
Object.assign(vscode, real);

const STUB_ID = path.join(scratch, 'vscode-stub.js');
const stubModule = new Module(STUB_ID);
stubModule.exports = vscode;
stubModule.loaded = true;
require.cache[STUB_ID] = stubModule;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? STUB_ID : resolve.call(this, request, ...rest);
};

function memento() {
  const m = new Map();
  return { get: (k, d) => (m.has(k) ? m.get(k) : d), update: async (k, v) => void m.set(k, v), keys: () => [...m.keys()], setKeysForSync: () => {} };
}

const storage = path.join(scratch, 'storage');
const context = {
  subscriptions: [],
  extensionPath: root,
  extensionUri: Uri.file(root),
  storageUri: Uri.file(storage),
  storagePath: storage,
  globalStorageUri: Uri.file(path.join(scratch, 'global')),
  globalStoragePath: path.join(scratch, 'global'),
  logUri: Uri.file(path.join(scratch, 'log')),
  logPath: path.join(scratch, 'log'),
  extensionMode: 1,
  workspaceState: memento(),
  globalState: memento(),
  secrets: anything('secrets'),
  environmentVariableCollection: anything('environmentVariableCollection'),
  asAbsolutePath: (p) => path.join(root, p),
  extension: { id: `${pkg.publisher}.${pkg.name}`, extensionUri: Uri.file(root), packageJSON: pkg },
};

(async () => {
  const t0 = performance.now();
  const ext = require(extensionJs);
  const t1 = performance.now();
  const api = await ext.activate(context);
  const t2 = performance.now();
  // Not part of activation (VS Code does not wait for it), recorded for context.
  if (api?.ready) await api.ready;
  const t3 = performance.now();
  for (const d of context.subscriptions) {
    try {
      d?.dispose?.();
    } catch {
      /* a stubbed disposable */
    }
  }
  process.stdout.write(
    JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0, readyMs: t3 - t1, subscriptions: context.subscriptions.length }) + '\n',
  );
  process.exit(0);
})().catch((e) => {
  process.stderr.write(`activation failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
