// One build for every entry point: the extension and CLI shells, the worker/child
// hosts that run user code (src/hosted), the webview (browser), and the compiled tests.
// piscina, tinypool and esbuild stay external: each resolves files next to itself
// (its worker script or native binary), which bundling would break.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const nodeExternals = ['vscode', 'piscina', 'tinypool', 'esbuild', 'mocha', 'playwright-core'];

// skip: folders that hold modules rather than entry points (src/hosted/lib is bundled
// into the hosts that import it).
function walk(dir, pattern, skip = []) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' || name === 'workspace' || skip.includes(name) ? [] : walk(p, pattern, skip);
    return pattern.test(name) ? [p] : [];
  });
}

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  external: nodeExternals,
  logLevel: 'warning',
};

// The JS/TS parser (@babel/parser, about 530 kB bundled) is four fifths of what the extension
// would otherwise load at activation, and only the code lens and the function pick use
// it. The shells load it from its own bundle, dist/babelParser.js, on first use, so
// activating the extension does not parse it (bench section 6).
const parserOnDemand = {
  name: 'parser-on-demand',
  setup(b) {
    b.onResolve({ filter: /^@babel\/parser$/ }, () => ({ path: './babelParser.js', external: true }));
  },
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts', cli: 'src/cli/cli.ts' }, outdir: 'dist', plugins: [parserOnDemand] },
  { ...node, entryPoints: { babelParser: 'node_modules/@babel/parser/lib/index.js' }, outdir: 'dist' },
  { ...node, entryPoints: walk('src/hosted', /\.ts$/, ['lib']), outdir: 'dist/hosted' },
  // BullMQ's sandbox host: its Worker looks for main.js next to the bundle that holds it
  // (dist/hosted/bullWorker.js), so it is bundled there for --sandboxed workers.
  { ...node, entryPoints: { main: 'node_modules/bullmq/dist/cjs/classes/main.js' }, outdir: 'dist/hosted' },
  // One build per test file, so a half-written test never stops the others building.
  ...walk('test/unit', /\.test\.ts$/)
    .concat(walk('test/engine', /\.test\.ts$/))
    .map((f) => ({ ...node, entryPoints: [f], outdir: 'dist/test', outbase: 'test' })),
  // Mocha's root hooks (.mocharc.cjs loads the built file).
  { ...node, entryPoints: ['test/rootHooks.ts'], outdir: 'dist/test', outbase: 'test' },
  { ...node, entryPoints: walk('test/integration', /\.ts$/), outdir: 'dist/test-integration', outbase: 'test/integration' },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify: true,
    sourcemap: false,
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
    logLevel: 'warning',
  },
].filter((b) => (Array.isArray(b.entryPoints) ? b.entryPoints.length > 0 : Object.values(b.entryPoints).every((e) => existsSync(e))));

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  const results = await Promise.allSettled(builds.map((b) => esbuild.build(b)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) {
    console.error(`esbuild: ${failed.length} of ${builds.length} builds failed`);
    process.exit(1);
  }
}
