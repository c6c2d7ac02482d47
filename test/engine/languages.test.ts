// The Language plug-ins (src/engine/languages/language.ts): which files each takes, listing through
// them, and the engine half (readSource, openRuntime) once registered. The concurrency
// caps each language declares must be the ones its executors really apply.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ProfileError } from '../../src/shared/errors';
import type { ExecutorLimits } from '../../src/engine/executorTypes';
import { EDITOR_LANGUAGE_IDS, languageForEditor, languageForFile, LANGUAGES, PROFILABLE_EXTENSIONS, requireLanguage } from '../../src/engine/languages/language';
import '../../src/engine/languages/engines';
import { packageRoot } from '../../src/engine/paths';
import type { ExecutorKind } from '../../src/shared/report';

const fx = (...p: string[]) => join(packageRoot(), 'test', 'fixtures', ...p);
const LIMITS: ExecutorLimits = { callTimeoutMs: 10_000, memoryLimitMb: 256, maxOutputBytes: 8192 };
const KINDS: ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];

describe('languages', function () {
  this.timeout(60_000);

  it('maps every extension and editor language id to exactly one language', () => {
    assert.deepEqual(PROFILABLE_EXTENSIONS, ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx', '.py']);
    assert.equal(new Set(PROFILABLE_EXTENSIONS).size, PROFILABLE_EXTENSIONS.length);
    assert.equal(languageForFile('/a/B.TSX')?.id, 'javascript');
    assert.equal(languageForFile('x.py')?.id, 'python');
    assert.equal(languageForFile('x.rb'), undefined);
    assert.equal(languageForEditor('typescriptreact')?.id, 'javascript');
    assert.equal(languageForEditor('python')?.listingRunsInterpreter, true);
    assert.equal(EDITOR_LANGUAGE_IDS.length, 5);
    assert.deepEqual(['a.ts', 'a.mts', 'a.js', 'a.py'].map((f) => requireLanguage(f).reportLanguage(f)), ['typescript', 'typescript', 'javascript', 'python']);
  });

  it('an unknown extension is the one-line unsupported-file error', () => {
    assert.throws(() => requireLanguage('notes.txt'), (e: unknown) => e instanceof ProfileError && e.code === 'bad-input' && /Unsupported file type: notes\.txt/.test(e.message));
  });

  it('lists functions and reads sources through the language', async () => {
    const js = requireLanguage(fx('members', 'parser.ts'));
    const listing = await js.listFunctions(fx('members', 'parser.ts'), js.readSource(fx('members', 'parser.ts')));
    assert.deepEqual(listing.functions.map((f) => f.name).slice(0, 2), ['Parser.parse', 'Parser.tokens']);
    const py = requireLanguage('x.py');
    const pyListing = await py.listFunctions('x.py', py.readSource(fx('python', 'shapes_methods.py')));
    assert.deepEqual(pyListing.functions.map((f) => f.name), ['Geometry.area', 'Geometry.scaled', 'Geometry.later']);
    assert.throws(() => py.readSource('empty.py', '  \n'), /empty: there is no function/);
  });

  it('declares the concurrency caps that its executors apply', async () => {
    const targets = { javascript: [fx('js', 'tiny.js'), 'tiny'], python: [fx('python', 'shapes_methods.py'), 'Geometry.area'] } as const;
    for (const language of LANGUAGES) {
      const [file, functionName] = targets[language.id];
      const rt = await language.openRuntime({ file, functionName, args: [1, 2] }, LIMITS);
      try {
        for (const kind of KINDS) {
          const ex = rt.createExecutor(kind);
          try {
            assert.equal(ex.maxConcurrency, language.maxConcurrency[kind], `${language.id} ${kind}`);
          } finally {
            await ex.dispose();
          }
        }
      } finally {
        await rt.dispose();
      }
    }
  });
});
