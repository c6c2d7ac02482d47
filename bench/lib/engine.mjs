// Bundles the engine pieces the bench drives (bench/src/*.ts → bench/dist/*.cjs) and
// loads them. Each entry builds on its own, so a runtime that is missing or broken
// takes down only the sections that need it, each reported as n/a with the reason.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const benchDir = fileURLToPath(new URL('..', import.meta.url));
const cache = new Map();

export async function loadEngine(name) {
  if (!cache.has(name)) cache.set(name, build(name));
  return cache.get(name);
}

async function build(name) {
  const outfile = `${benchDir}dist/${name}.cjs`;
  try {
    await esbuild.build({
      entryPoints: [`${benchDir}src/${name}.ts`],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // Same externals as the product build: these resolve files next to themselves.
      external: ['vscode', 'piscina', 'tinypool', 'esbuild'],
      logLevel: 'silent',
    });
    return { module: require(outfile) };
  } catch (e) {
    const first = e?.errors?.[0];
    const reason = first ? `${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}` : String(e?.message ?? e);
    return { error: `engine entry ${name} does not build: ${reason}` };
  }
}
