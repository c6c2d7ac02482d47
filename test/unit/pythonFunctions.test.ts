// Reading a Python file's top-level functions through `harness.py list` (Python's own
// ast, with the machine's python3): decorators, async def, directives, other bindings,
// and Class.staticmethod / Class.classmethod.
import * as assert from 'node:assert/strict';
import { ProfileError } from '../../src/shared/errors';
import { usePythonFinder } from './helpers/pythonFinder';

const SOURCE = `import functools
import asyncio

LIMIT = 10
a, (b, *rest) = 1, (2, 3)


class Cache:
    def method(self):  # not top-level
        return 1


def plain(x):
    def inner():  # nested: not listed
        pass
    return x


# @workload args=[25, "$i"] budget=7
@functools.lru_cache(maxsize=None)
@staticmethod
def decorated(n):
    return n


# @workload args=[1]
@functools.wraps(
    plain,
)
async def fetch(i):
    await asyncio.sleep(0)
    return i


# a plain comment, no directive
def   spaced  (y):
    return y


plain = plain  # rebinding a def as a variable hides the def


if __name__ == "__main__":
    def main_only():
        pass
`;

/** Static and class methods beside what they must not be confused with. */
const METHODS_SOURCE = `class Tools:
    @staticmethod
    def clean(s):
        return s.strip()

    # @workload args=[2]
    @classmethod
    async def make(cls, n):
        return cls()

    def instance(self):
        return 1

    @property
    def prop(self):
        return 2

    class Inner:
        @staticmethod
        def deep():
            pass


class Gone:
    @staticmethod
    def m():
        pass


Gone = None


def top():
    pass
`;

describe('findPythonFunctions (harness.py list)', function () {
  this.timeout(20_000);
  const findPython = usePythonFinder();

  it('lists top-level def/async def with the def line, name column, end line and async flag', async () => {
    const { functions } = await findPython(SOURCE, 'mod.py');
    assert.deepEqual(
      functions.map((f) => f.name),
      ['decorated', 'fetch', 'spaced'],
    );
    const decorated = functions.find((f) => f.name === 'decorated')!;
    assert.equal(decorated.line, 22); // the def, not the decorator on line 20
    assert.equal(decorated.column, 4);
    assert.equal(decorated.endLine, 23);
    assert.equal(decorated.isAsync, false);
    assert.equal(decorated.declaration, 'def');
    const fetch = functions.find((f) => f.name === 'fetch')!;
    assert.equal(fetch.isAsync, true);
    assert.equal(fetch.declaration, 'async def');
    assert.equal(fetch.line, 30);
    assert.equal(fetch.column, 10);
    assert.equal(functions.find((f) => f.name === 'spaced')!.column, 6);
  });

  it('reads the @workload directive above the decorators, including multi-line ones', async () => {
    const { functions } = await findPython(SOURCE, 'mod.py');
    const byName = Object.fromEntries(functions.map((f) => [f.name, f]));
    assert.deepEqual(byName.decorated.directive, { args: [25, '$i'], budgetSec: 7 });
    assert.deepEqual(byName.fetch.directive, { args: [1] });
    assert.equal(byName.spaced.directive, undefined);
  });

  it('reports classes and variables (including tuple targets and rebinding) as other bindings', async () => {
    const { others } = await findPython(SOURCE, 'mod.py');
    const what = Object.fromEntries(others.map((o) => [o.name, o.what]));
    // Cache.method is named too, so asking for it says it needs an instance (issue 13).
    assert.deepEqual(what, { LIMIT: 'variable', a: 'variable', b: 'variable', rest: 'variable', Cache: 'class', 'Cache.method': 'method that needs an instance', plain: 'variable' });
    assert.equal(others.find((o) => o.name === 'Cache')!.line, 8);
  });

  it('turns a syntax error into a bad-input error with line and column', async () => {
    try {
      await findPython('def ok():\n    pass\n\ndef broken(:\n    pass\n', '/src/broken.py');
      assert.fail('expected a syntax error');
    } catch (e) {
      assert.ok(e instanceof ProfileError);
      assert.equal(e.code, 'bad-input');
      assert.match(e.message, /^Syntax error in \/src\/broken\.py:4:12: /);
    }
  });

  it('handles an empty file and non-ASCII source', async () => {
    assert.deepEqual(await findPython('', 'e.py'), { functions: [], others: [] });
    const { functions } = await findPython('# é\ndef café(ñ):\n    return "ü"\n', 'u.py');
    assert.equal(functions[0].name, 'café');
  });

  // "Class.staticmethod" and "Class.classmethod" are functions too.
  describe('static and class methods', () => {
    it('lists Class.staticmethod and Class.classmethod, not instance methods, properties or nested classes', async () => {
      const { functions } = await findPython(METHODS_SOURCE, 'm.py');
      assert.deepEqual(
        functions.map((f) => [f.name, f.line, f.column, f.isAsync, f.declaration, f.directive?.args]),
        [
          ['Tools.clean', 3, 8, false, 'staticmethod', undefined],
          ['Tools.make', 8, 14, true, 'classmethod', [2]],
          ['top', 33, 4, false, 'def', undefined],
        ],
      );
    });

    it('names instance methods (with self, undecorated) among the non-functions', async () => {
      const { others } = await findPython(METHODS_SOURCE, 'm.py');
      assert.deepEqual(others.filter((o) => o.name.includes('.')).map((o) => [o.name, o.what]), [['Tools.instance', 'method that needs an instance']]);
    });

    it('drops the methods of a class whose name is rebound', async () => {
      const { functions, others } = await findPython(METHODS_SOURCE, 'm.py');
      assert.ok(!functions.some((f) => f.name.startsWith('Gone.')));
      assert.deepEqual(others.find((o) => o.name === 'Gone')?.what, 'variable');
    });
  });
});
