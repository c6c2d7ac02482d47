// What the engine knows about each language it profiles, behind one interface, so that
// adding a language means adding one file under languages/ and one line to LANGUAGES:
// file extensions, editor language ids, how to list functions, how to read the source,
// how to open a runtime, and the concurrency caps of its executors.
// The extension imports this module at activation, and its bundle must not carry the
// engine: listing loads its parser on first use, and the two engine-side members
// (readSource, openRuntime) are registered by src/engine/languages/engines.ts, which only
// the engine imports (profile.ts, tests).
import * as path from 'node:path';
import { Errors } from '../../shared/errors';
import type { ExecutorLimits, TargetRuntime } from '../executorTypes';
import type { FunctionInfo, NonFunctionBinding } from '../../shared/functionInfo';
import { javascript } from './javascript';
import { python } from './python';
import type { ExecutorKind, Language as ReportLanguage } from '../../shared/report';

export type LanguageId = 'javascript' | 'python';

export interface FunctionListing {
  functions: FunctionInfo[];
  /** Top-level names that are not functions, for "X is a class, not a function". */
  others: NonFunctionBinding[];
}

export interface ToolOptions {
  /** Interpreter for languages that need one (CLI --python, a setting, the Python extension). */
  python?: string;
}

export interface OpenOptions extends ToolOptions {
  file: string;
  functionName: string;
  args: unknown[];
  /** Unsaved editor text to profile instead of the file on disk. */
  sourceText?: string;
  workspaceRoot?: string;
}

export interface Language {
  readonly id: LanguageId;
  /** For messages: "JavaScript/TypeScript", "Python". */
  readonly displayName: string;
  /** Lower-case, with the dot. */
  readonly extensions: readonly string[];
  /** VS Code language ids of documents in this language. */
  readonly editorLanguageIds: readonly string[];
  /**
   * Listing functions runs a program the workspace may choose (an interpreter in its
   * venv), so the editor does it only in a trusted workspace.
   */
  readonly listingRunsInterpreter: boolean;
  /** The language written in the report ("typescript" for .ts files of the JS runtime). */
  reportLanguage(file: string): ReportLanguage;
  /** The file's text (or the unsaved text), with one-line errors for missing, binary or empty files. */
  readSource(file: string, sourceText?: string): string;
  listFunctions(file: string, source: string, opts?: ToolOptions): Promise<FunctionListing>;
  openRuntime(opts: OpenOptions, limits: ExecutorLimits): Promise<TargetRuntime>;
  /** The highest concurrency each executor of this language's runtime accepts. */
  readonly maxConcurrency: Readonly<Record<ExecutorKind, number>>;
}

export { engineOf, registerEngine, type LanguageEngine } from './registry';

export const LANGUAGES: readonly Language[] = [javascript, python];

export const PROFILABLE_EXTENSIONS: readonly string[] = LANGUAGES.flatMap((l) => l.extensions);

export const EDITOR_LANGUAGE_IDS: readonly string[] = LANGUAGES.flatMap((l) => l.editorLanguageIds);

export function languageForFile(file: string): Language | undefined {
  const ext = path.extname(file).toLowerCase();
  return LANGUAGES.find((l) => l.extensions.includes(ext));
}

/** Like languageForFile, but an unknown extension is the one-line "Unsupported file type" error. */
export function requireLanguage(file: string): Language {
  const language = languageForFile(file);
  if (!language) throw Errors.unsupportedFile(file);
  return language;
}

export function languageForEditor(languageId: string): Language | undefined {
  return LANGUAGES.find((l) => l.editorLanguageIds.includes(languageId));
}
