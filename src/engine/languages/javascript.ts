// JavaScript and TypeScript (ESM or CommonJS, JSX, TSX): Babel lists the functions,
// esbuild bundles the module, worker threads and child processes run it.
import * as path from 'node:path';
import type { Language } from './language';
import { engineOf } from './registry';

const EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx'];
const TS_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];

export const javascript: Language = {
  id: 'javascript',
  displayName: 'JavaScript/TypeScript',
  extensions: EXTENSIONS,
  editorLanguageIds: ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'],
  listingRunsInterpreter: false,
  reportLanguage: (file) => (TS_EXTENSIONS.includes(path.extname(file).toLowerCase()) ? 'typescript' : 'javascript'),
  readSource: (file, sourceText) => engineOf('javascript').readSource(file, sourceText),
  async listFunctions(file, source) {
    const { findJsFunctions } = await import('../js/findJsFunctions.js');
    const { functions, others } = findJsFunctions(source, file);
    return { functions, others };
  },
  openRuntime: (opts, limits) => engineOf('javascript').openRuntime(opts, limits),
  // Mirrors the executors (loopWorkerExecutor 1024, threadExecutor 256, jsRuntime's
  // MAX_PROCESSES 64); test/unit/languages.test.ts checks that they agree.
  maxConcurrency: { sequential: 1, async: 1024, thread: 256, process: 64, distributed: 64 },
};
