// Bundles the user's module at profile time with esbuild, into a private per-run temp
// directory, so that any JS/TS flavour runs the same way in workers and children:
// - the target file is the entry, and an export of the function is appended to it
//   (appending keeps every line where it was, so source-mapped stacks still point at
//   the user's own lines), which lets a non-exported helper be profiled;
// - bare imports of packages are left external, pointing at the file esbuild resolved
//   from the user's workspace, so Node loads the real package (native addons included)
//   from where it is installed, not from ours; a bare import that the project's
//   tsconfig maps to its own source (`paths`, `baseUrl`) is bundled like a relative one;
// - inline source maps with sourcesContent let Node map every frame back.
import * as esbuild from 'esbuild';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Errors } from '../../shared/errors';
import { TARGET_EXPORT, TARGET_OWNER } from '../../shared/jsProtocol';
import { escapeRegExp } from '../../shared/escapeRegExp';

export interface BuildRequest {
  /** Absolute path of the user's file (also the source-map name of unsaved text). */
  file: string;
  /** How to name the file in messages (as the user gave it). */
  displayFile: string;
  functionName: string;
  /**
   * For a member ("api.get", "Parser.parse", a CommonJS export): the module-scope
   * expression holding it (FunctionInfo.owner). The bundle then exports the owner and
   * the host calls owner[key] on it.
   */
  owner?: string;
  /** Unsaved editor text to bundle instead of the file on disk. */
  sourceText?: string;
  /** The source uses import/export; otherwise it is CommonJS. */
  isModule: boolean;
}

export interface BuiltTarget {
  bundlePath: string;
  tempDir: string;
}

const LOADERS: Record<string, esbuild.Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'jsx',
  '.jsx': 'jsx',
  '.mjs': 'js',
  '.cjs': 'js',
};

const BUILTINS = new Set(builtinModules);

// esbuild keeps a service child process alive between builds. A profile builds once,
// so stop it when no build is running: "zero child processes after a run" then holds.
let activeBuilds = 0;
async function withEsbuild<T>(f: () => Promise<T>): Promise<T> {
  activeBuilds++;
  try {
    return await f();
  } finally {
    if (--activeBuilds === 0) await esbuild.stop();
  }
}

export async function buildTarget(req: BuildRequest): Promise<BuiltTarget> {
  const file = resolve(req.file);
  const tempDir = mkdtempSync(join(tmpdir(), 'workload-profiler-'));
  chmodSync(tempDir, 0o700);
  try {
    const bundlePath = join(tempDir, 'target.mjs');
    const text = await withEsbuild(() => bundle(file, req, bundlePath));
    writeFileSync(bundlePath, text, { mode: 0o600 });
    return { bundlePath, tempDir };
  } catch (e) {
    rmSync(tempDir, { recursive: true, force: true });
    throw e;
  }
}

async function bundle(file: string, req: BuildRequest, outfile: string): Promise<string> {
  const source = req.sourceText ?? readFileSync(file, 'utf8');
  const exportLine = appendedExport(req);

  const plugin: esbuild.Plugin = {
    name: 'workload-target',
    setup(build) {
      build.onLoad({ filter: new RegExp(`^${escapeRegExp(file)}$`) }, () => ({
        contents: source + exportLine,
        loader: LOADERS[extname(file).toLowerCase()] ?? 'js',
        resolveDir: dirname(file),
      }));
      // Native addons referenced by path: load them where they are.
      build.onResolve({ filter: /\.node$/ }, (args) => ({
        path: isAbsolute(args.path) ? args.path : resolve(args.resolveDir, args.path),
        external: true,
      }));
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (isAbsolute(args.path) || args.pluginData?.workloadResolving) return undefined;
        const bare = args.path.startsWith('node:') ? args.path.slice(5) : args.path;
        if (args.path.startsWith('node:') || BUILTINS.has(bare.split('/')[0]) || BUILTINS.has(bare)) {
          return { path: args.path, external: true };
        }
        const r = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { workloadResolving: true },
        });
        if (r.errors.length) return { errors: r.errors };
        if (r.external || !isAbsolute(r.path)) return { path: args.path, external: true };
        // A bare name that esbuild resolved to the project's own source, through the
        // tsconfig's `paths` / `baseUrl` (found and `extends`-merged by esbuild as tsc
        // does), is not a package: bundle it, since Node could not load a .ts file.
        if (!inNodeModules(r.path)) return { path: r.path };
        // require() wants a path; import() wants a URL (a bare path is not portable).
        const viaRequire = args.kind === 'require-call' || args.kind === 'require-resolve';
        return { path: viaRequire ? r.path : pathToFileURL(r.path).href, external: true };
      });
    },
  };

  let result: esbuild.BuildResult & { outputFiles: esbuild.OutputFile[] };
  try {
    result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      write: false,
      outfile,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'inline',
      sourcesContent: true,
      logLevel: 'silent',
      absWorkingDir: dirname(file),
      plugins: [plugin],
      // CommonJS code in an ESM bundle still needs require (for the externals above).
      banner: { js: "import { createRequire as __wpCreateRequire } from 'module'; const require = __wpCreateRequire(import.meta.url);" },
      // The bundle lives in a temp dir; keep the user's own notion of "here".
      define: {
        'import.meta.url': JSON.stringify(pathToFileURL(file).href),
        __filename: JSON.stringify(file),
        __dirname: JSON.stringify(dirname(file)),
      },
    });
  } catch (e) {
    throw toProfileError(e, file, req.displayFile);
  }
  return result.outputFiles[0].text;
}

/**
 * The line appended to the user's module. Names reaching it were found by the parser
 * (identifiers, `module.exports`, `exports`), never typed free-form into code.
 */
export function appendedExport(req: Pick<BuildRequest, 'functionName' | 'owner' | 'isModule'>): string {
  const [name, slot] = req.owner ? [req.owner, TARGET_OWNER] : [req.functionName, TARGET_EXPORT];
  if (!/^[A-Za-z_$][\w$]*(\.exports)?$/.test(name)) throw new Error(`not a module-scope name: ${name}`);
  // A member's owner exported from ESM is always a binding (class or const); only
  // CommonJS has `module.exports` / `exports` owners.
  return req.isModule ? `\nexport { ${name} as ${slot} };\n` : `\nmodule.exports.${slot} = ${name};\n`;
}

function toProfileError(e: unknown, file: string, displayFile: string): Error {
  const failure = e as esbuild.BuildFailure;
  const first = failure.errors?.[0];
  if (!first) return e instanceof Error ? e : new Error(String(e));
  const loc = first.location;
  const where = loc ? (resolve(dirname(file), loc.file) === file ? displayFile : loc.file) : displayFile;
  const line = loc?.line ?? 1;
  const column = (loc?.column ?? 0) + 1;
  const unresolved = /^Could not resolve "([^"]+)"/.exec(first.text);
  if (unresolved) return Errors.unresolvedImport(where, line, column, unresolved[1]);
  return Errors.syntax(where, line, column, first.text.replace(/\.$/, ''));
}

function inNodeModules(file: string): boolean {
  return file.split(/[\\/]/).includes('node_modules');
}
