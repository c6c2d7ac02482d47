// Python 3.9+: the user's own interpreter lists the functions (ast, through
// python/harness.py) and hosts the module; threads, asyncio and a process pool run it.
import * as os from 'node:os';
import type { Language } from './language';
import { engineOf } from './registry';

export const python: Language = {
  id: 'python',
  displayName: 'Python',
  extensions: ['.py'],
  editorLanguageIds: ['python'],
  listingRunsInterpreter: true,
  reportLanguage: () => 'python',
  readSource: (file, sourceText) => engineOf('python').readSource(file, sourceText),
  async listFunctions(file, source, opts = {}) {
    const [{ findPythonFunctions }, { resolvePython }] = await Promise.all([import('../python/findPythonFunctions.js'), import('../python/resolvePython.js')]);
    const interpreter = await resolvePython(opts.python);
    return findPythonFunctions(source, file, interpreter.executable);
  },
  openRuntime: (opts, limits) => engineOf('python').openRuntime(opts, limits),
  // Mirrors pythonRuntime's MAX_CONCURRENCY; test/unit/languages.test.ts checks that they agree.
  maxConcurrency: { sequential: 1, async: 1024, thread: 256, process: Math.max(4, os.cpus().length * 4), distributed: 64 },
};
