// 6. Extension cost: activation time of dist/extension.js in a fresh Node process with a
// stubbed `vscode` (see lib/activate.cjs), the bundle's size, and the .vsix's size from
// the same `vsce package` command that `npm run package` runs (dependencies included, filtered by .vscodeignore).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFigure, measure, oneLine, unavailable } from '../lib/figure.mjs';
import { median } from '../lib/stats.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const activateScript = fileURLToPath(new URL('../lib/activate.cjs', import.meta.url));

export async function extensionSection(ctx) {
  const extensionJs = join(root, 'dist', 'extension.js');
  const activation = {
    id: 'extension.activation',
    label: 'Extension activation: require + activate() in a fresh process',
    unit: 'ms',
    target: { max: 50 },
    reference: (r) =>
      `require ${median(r.map((x) => x.requireMs)).toFixed(1)} ms + activate ${median(r.map((x) => x.activateMs)).toFixed(1)} ms; ` +
      `${r[0].subscriptions} disposables registered; saved results ready after ${median(r.map((x) => x.readyMs)).toFixed(0)} ms`,
  };
  const bundle = { id: 'extension.bundle', label: 'Size of dist/extension.js', unit: 'bytes', target: null, deterministic: true };
  const vsix = { id: 'extension.vsix', label: 'Size of the .vsix (npm run package)', unit: 'bytes', target: null, deterministic: true };
  if (!existsSync(extensionJs)) {
    const why = 'dist/extension.js is missing: run `npm run build`';
    return [unavailable(ctx, activation, why), unavailable(ctx, bundle, why), unavailable(ctx, vsix, why)];
  }
  const figures = [];
  const scratch = mkdtempSync(join(os.tmpdir(), 'wp-bench-ext-'));
  try {
    figures.push(
      await measure(ctx, activation, ctx.quick ? 3 : 7, async (i) => {
        const dir = join(scratch, `rep${i}`);
        const out = await run(process.execPath, [activateScript, extensionJs, join(root, 'package.json'), dir], 30_000);
        const r = JSON.parse(out.trim().split('\n').pop());
        return { value: r.totalMs, ...r };
      }),
    );
    const bytes = statSync(extensionJs).size;
    // The JS/TS parser is its own bundle, loaded on the first code lens or function pick, not at activation.
    const parser = join(root, 'dist', 'babelParser.js');
    const parserNote = existsSync(parser) ? `; the JS/TS parser it loads on first use, dist/babelParser.js, is ${Math.round(statSync(parser).size / 1000)} kB more` : '';
    figures.push(makeFigure(ctx, { ...bundle, reference: `as \`npm run build\` leaves it (the bundle the .vsix ships)${parserNote}` }, [{ value: bytes }]));
    figures.push(await packageVsix(ctx, vsix, scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return figures;
}

async function packageVsix(ctx, spec, scratch) {
  const vsce = join(root, 'node_modules', '.bin', 'vsce');
  if (!existsSync(vsce)) return unavailable(ctx, spec, '@vscode/vsce is not installed (node_modules/.bin/vsce)');
  const out = join(scratch, 'bench.vsix');
  try {
    await run(vsce, ['package', '--target', 'linux-x64', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out], 180_000, { cwd: root });
    return makeFigure(ctx, { ...spec, reference: 'same command as `npm run package`, offline' }, [{ value: statSync(out).size }]);
  } catch (e) {
    return unavailable(ctx, spec, `vsce package failed: ${oneLine(e)}`);
  }
}

function run(cmd, args, timeoutMs, opts = {}) {
  return new Promise((resolve, reject) => {
    // stdin closed: vsce's yes/no prompts (missing LICENSE, repository) answer "no" instead of hanging.
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 << 20, ...opts }, (err, stdout, stderr) => {
      if (err) {
        const lines = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^at /.test(l));
        const msg = lines.find((l) => /\bERROR\b/.test(l)) ?? lines.find((l) => /error|fail|not found|missing/i.test(l)) ?? lines.pop() ?? err.message;
        return reject(new Error(msg));
      }
      resolve(stdout);
    });
    child.stdin?.end();
  });
}
