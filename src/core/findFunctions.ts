// One entry point for "which functions can be profiled in this file", shared by the
// CLI's list command, the code lens and the quick pick. Python is parsed by Python's
// own ast (through the harness), JS/TS by @babel/parser.
import * as path from 'node:path';
import { Errors } from './errors';
import type { FunctionInfo } from './functionInfo';
import { findJsFunctions, JS_EXTENSIONS } from './js/findJsFunctions';
import { findPythonFunctions } from './python/findPythonFunctions';
import { resolvePython } from './python/resolvePython';

export const PROFILABLE_EXTENSIONS = [...JS_EXTENSIONS, '.py'];

export async function findFunctions(file: string, source: string, opts: { python?: string } = {}): Promise<FunctionInfo[]> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.py') {
    const python = await resolvePython(opts.python);
    return (await findPythonFunctions(source, file, python.executable)).functions;
  }
  if (!JS_EXTENSIONS.includes(ext)) throw Errors.unsupportedFile(file);
  return findJsFunctions(source, file).functions;
}
