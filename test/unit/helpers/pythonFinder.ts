// The Python finder (harness.py list) on the machine's python3, for the suites that list
// functions from Python sources: the interpreter is resolved once, before their tests.
import { findPythonFunctions } from '../../../src/engine/python/findPythonFunctions';
import { resolvePython } from '../../../src/engine/python/resolvePython';

export type FindPython = (source: string, file: string) => ReturnType<typeof findPythonFunctions>;

/** Call inside describe(): registers the before() hook that finds the interpreter. */
export function usePythonFinder(): FindPython {
  let python = '';
  before(async () => {
    python = (await resolvePython()).executable;
  });
  return (source, file) => findPythonFunctions(source, file, python);
}
