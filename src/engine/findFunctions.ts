// One entry point for "which functions can be profiled in this file", shared by the
// CLI's list command, the code lens and the quick pick. Each language lists its own
// (src/engine/languages): Python by Python's ast through the harness, JS/TS by Babel.
import type { FunctionInfo } from '../shared/functionInfo';
import { requireLanguage, type ToolOptions } from './languages/language';

export { PROFILABLE_EXTENSIONS } from './languages/language';

export async function findFunctions(file: string, source: string, opts: ToolOptions = {}): Promise<FunctionInfo[]> {
  return (await requireLanguage(file).listFunctions(file, source, opts)).functions;
}
