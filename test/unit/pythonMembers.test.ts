// Python "Class.staticmethod" and "Class.classmethod": listed by harness.py list.
import * as assert from 'node:assert/strict';
import { usePythonFinder } from './helpers/pythonFinder';

const SOURCE = `class Tools:
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

describe('findPythonFunctions: static and class methods', function () {
  this.timeout(20_000);
  const findPython = usePythonFinder();

  it('lists Class.staticmethod and Class.classmethod, not instance methods, properties or nested classes', async () => {
    const { functions } = await findPython(SOURCE, 'm.py');
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
    const { others } = await findPython(SOURCE, 'm.py');
    assert.deepEqual(others.filter((o) => o.name.includes('.')).map((o) => [o.name, o.what]), [['Tools.instance', 'method that needs an instance']]);
  });

  it('drops the methods of a class whose name is rebound', async () => {
    const { functions, others } = await findPython(SOURCE, 'm.py');
    assert.ok(!functions.some((f) => f.name.startsWith('Gone.')));
    assert.deepEqual(others.find((o) => o.name === 'Gone')?.what, 'variable');
  });
});
