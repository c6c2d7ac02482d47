// Locates files shipped beside the bundles (worker runtimes, the Python harness). The
// same code runs from dist/cli.js, dist/extension.js and dist/test/**, so walk up from
// this bundle's directory to the package root instead of assuming a depth.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'workload-profiler') return (cachedRoot = dir);
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`workload-profiler package root not found above ${__dirname}`);
    dir = up;
  }
}

/** dist/hosted/<name>.js */
export function runtimeFile(name: string): string {
  return join(packageRoot(), 'dist', 'hosted', `${name}.js`);
}

/** python/<name> */
export function pythonFile(name: string): string {
  return join(packageRoot(), 'python', name);
}
