// Profilable functions (top-level, members, exports) of open documents, parsed once per document version and shared by
// the code lenses, the quick pick, "at cursor" and the editor context-menu key.
import * as vscode from 'vscode';
import type { FunctionInfo } from '../shared/functionInfo';
import { languageForEditor } from '../engine/languages/language';
import { PROFILED_LANGUAGES } from './commandIds';
import { Disposable } from './dispose';
import { pythonFor } from './pythonInterpreter';

interface Entry {
  version: number;
  functions: Promise<FunctionInfo[] | undefined>;
}

export function isProfiledDocument(document: vscode.TextDocument): boolean {
  return (PROFILED_LANGUAGES as readonly string[]).includes(document.languageId) && document.uri.scheme !== 'output';
}

export class FunctionIndex extends Disposable {
  private readonly cache = new Map<string, Entry>();

  constructor() {
    super();
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.cache.delete(d.uri.toString())));
    // Python files were left unlisted in Restricted Mode (see parse).
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.invalidate()));
  }

  /**
   * The document's top-level functions, or undefined when it does not parse right now
   * (mid-edit): callers show nothing rather than an error.
   */
  functions(document: vscode.TextDocument): Promise<FunctionInfo[] | undefined> {
    if (!isProfiledDocument(document)) return Promise.resolve(undefined);
    const key = document.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === document.version) return hit.functions;
    const functions = this.parse(document);
    this.cache.set(key, { version: document.version, functions });
    return functions;
  }

  /** The last parse result without waiting, for hot paths such as selection changes. */
  cached(document: vscode.TextDocument): Promise<FunctionInfo[] | undefined> | undefined {
    const hit = this.cache.get(document.uri.toString());
    return hit && hit.version === document.version ? hit.functions : undefined;
  }

  invalidate(): void {
    this.cache.clear();
  }

  private async parse(document: vscode.TextDocument): Promise<FunctionInfo[] | undefined> {
    // Listing Python functions runs an interpreter, possibly one the workspace chose (a
    // venv inside it): not in Restricted Mode. Babel only parses, so JS/TS stays listed.
    const language = languageForEditor(document.languageId);
    if (!language || (language.listingRunsInterpreter && !vscode.workspace.isTrusted)) return undefined;
    // The parser (Babel, or python's ast through a child) loads on first use, not at activation.
    const { findFunctions } = await import('../engine/findFunctions.js');
    try {
      const python = language.listingRunsInterpreter ? await pythonFor(document.uri) : undefined;
      return await findFunctions(document.fileName, document.getText(), { python });
    } catch (e) {
      if ((e as { code?: string }).code !== 'bad-input') console.warn('[workload-profiler] could not list functions', e);
      return undefined;
    }
  }
}

/**
 * The function whose declaration spans the given 0-based line. Members nest ("api.get"
 * inside a CommonJS export, a method inside a class), so the narrowest span wins.
 */
export function functionAtLine(functions: readonly FunctionInfo[], line0: number): FunctionInfo | undefined {
  const line = line0 + 1;
  let best: FunctionInfo | undefined;
  for (const f of functions) {
    if (f.line <= line && line <= f.endLine && (!best || f.endLine - f.line < best.endLine - best.line)) best = f;
  }
  return best;
}
