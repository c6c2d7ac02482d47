// The engine-side half of each language (readSource, openRuntime), registered by
// languages/engines.ts. A module of its own, importing nothing, so the language
// objects can reach it without an import cycle through language.ts.
import type { Language, LanguageId } from './language';

/** The engine-side half of a language. */
export type LanguageEngine = Pick<Language, 'readSource' | 'openRuntime'>;

const engines = new Map<LanguageId, LanguageEngine>();

export function registerEngine(id: LanguageId, engine: LanguageEngine): void {
  engines.set(id, engine);
}

export function engineOf(id: LanguageId): LanguageEngine {
  const engine = engines.get(id);
  // A programming error, not bad input: the caller forgot the engines import.
  if (!engine) throw new Error(`The ${id} engine is not loaded: import src/engine/languages/engines first.`);
  return engine;
}
