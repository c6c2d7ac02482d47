// The engine-side half of every language: reading and checking the source, and opening
// the runtime that hosts the function. Imported for its effect by the engine only, so the
// extension's bundle (which lists functions but never runs them) stays free of it.
import * as path from 'node:path';
import { createJsRuntime, readJsSource } from '../js/jsRuntime';
import { createPythonRuntime, readSource as readPythonSource } from '../python/pythonRuntime';
import { registerEngine } from './registry';

registerEngine('javascript', { readSource: readJsSource, openRuntime: createJsRuntime });
registerEngine('python', {
  readSource: (file, sourceText) => readPythonSource(path.resolve(file), file, sourceText),
  openRuntime: createPythonRuntime,
});
