// Which Python runs a .py target: the interpreter the Python extension has selected for
// that file (so a venv picked there just works), else workloadProfiler.pythonPath, else
// undefined and the engine tries python3 itself.
import * as vscode from 'vscode';
import { readSettings } from './settings';

const PYTHON_EXTENSION_ID = 'ms-python.python';

export async function pythonFor(resource: vscode.Uri): Promise<string | undefined> {
  const fromExtension = await activeInterpreter(resource);
  return fromExtension ?? readSettings(resource).pythonPath;
}

async function activeInterpreter(resource: vscode.Uri): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  try {
    // Loaded only when the Python extension exists, to keep activation cheap otherwise.
    const { PythonExtension } = await import('@vscode/python-extension');
    const api = await PythonExtension.api();
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? (active.path || undefined);
  } catch (e) {
    console.warn('[workload-profiler] could not ask the Python extension for its interpreter', e);
    return undefined;
  }
}

/** Fires when the Python extension's selected interpreter changes (code lenses re-parse with it). */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  try {
    const { PythonExtension } = await import('@vscode/python-extension');
    const api = await PythonExtension.api();
    return api.environments.onDidChangeActiveEnvironmentPath(() => listener());
  } catch {
    return undefined;
  }
}
