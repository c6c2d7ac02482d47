// Property-based test of the Python finder (harness.py list, the machine's python3):
// random, half-valid and hostile sources list functions or give a one-line syntax error,
// never a crash of the harness. Each case starts an interpreter, so the run count is low.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProfileError } from '../../src/shared/errors';
import { usePythonFinder } from './helpers/pythonFinder';
import { MAX_CASE_MS, unicodeText } from './fuzzSupport';

const FRAGMENTS = [
  'def f(a):\n    return a\n',
  'class C:\n    @staticmethod\n    def s(x):\n        return x\n',
  'class D:\n    @classmethod\n    async def c(cls):\n        pass\n',
  '# @workload args=[1, "$i"] budget=2\ndef g():\n    pass\n',
  '# @workload args=[[[[[\ndef h():\n    pass\n',
  '__proto__ = 1\n',
  'def é(ñ):\n    return "ü🚀"\n',
  'async def',
  '    indented = 1\n',
  '"""unterminated\n',
  'x = (((((((((((1)))))))))))\n',
  'lambda: (yield)\n',
];

describe('fuzz: Python finder', function () {
  this.timeout(180_000);
  const findPython = usePythonFinder();

  it('lists functions or reports a one-line syntax error, in bounded time', async () => {
    const source = fc.oneof(
      fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 5 }).map((xs) => xs.join('\n')),
      fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 5 }).chain((xs) => fc.nat({ max: xs.join('\n').length }).map((n) => xs.join('\n').slice(0, n))),
      unicodeText,
      fc.integer({ min: 1, max: 200_000 }).map((d) => `x = ${'-'.repeat(d)}1\n`),
      fc.integer({ min: 1, max: 5_000 }).map((d) => `x = ${'['.repeat(d)}${']'.repeat(d)}\n`),
      fc.constantFrom('a\0b\n', '\ufeffdef f():\n    pass\n', 'def f():\r\n    return 1\r\n'),
    );
    await fc.assert(
      fc.asyncProperty(source, async (src) => {
        const t0 = performance.now();
        try {
          const { functions } = await findPython(src, 'fuzz.py');
          for (const f of functions) {
            assert.ok(f.line >= 1 && f.endLine >= f.line && f.column >= 0, JSON.stringify(f));
            assert.ok(/^[^.]+(\.[^.]+)?$/.test(f.name), f.name);
          }
        } catch (e) {
          assert.ok(e instanceof ProfileError && e.code === 'bad-input', `${(e as Error).constructor.name}: ${(e as Error).message}`);
          assert.ok(!e.message.includes('\n'), e.message);
        }
        assert.ok(performance.now() - t0 < MAX_CASE_MS * 3, 'a listing took too long');
      }),
      { numRuns: 20 },
    );
  });
});
