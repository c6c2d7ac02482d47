// The wider JS "function": static class methods, members of top-level object literals
// and CommonJS exports, with the owner the loader calls them on.
import assert from 'node:assert/strict';
import { findJsFunctions } from '../../src/engine/js/findJsFunctions';
import { appendedExport } from '../../src/engine/js/buildTarget';

const scan = (src: string, file = 'x.ts') =>
  findJsFunctions(src, file).functions.map((f) => [f.name, f.owner ?? '', f.declaration, f.isAsync, f.exported]);

describe('findJsFunctions: members and CommonJS exports', () => {
  // [what, file, source], then the functions listed, as [name, owner, declaration, async, exported]
  const cases: [string, string, string, ReturnType<typeof scan>][] = [
    ['lists module.exports = { name: () => … } properties (issue 13)', 'y.cjs', 'module.exports = {\n  dumpYaml: (n) => n,\n  async load() {},\n  f: function () {},\n  n: 1,\n  get g() { return 1; },\n  [computed]: () => 1,\n};',
      [['dumpYaml', 'module.exports', 'arrow', false, true], ['load', 'module.exports', 'method', true, true], ['f', 'module.exports', 'function-expression', false, true]]],
    ['lists exports.name = function and module.exports.name = …', 'e.js', 'exports.a = function () {};\nmodule.exports.b = async () => 1;\nexports.c = 5;\nexports["d"] = () => 1;\nexports["not plain"] = () => 1;',
      [['a', 'exports', 'function-expression', false, true], ['b', 'module.exports', 'arrow', true, true], ['d', 'exports', 'arrow', false, true]]],
    ['a shorthand export marks the declared function exported instead of listing it twice', 'c.cjs', 'function f() {}\nconst g = () => 1;\nfunction h() {}\nmodule.exports = { f, alias: g };\nexports.h = h;',
      [['f', '', 'function', false, true], ['g', '', 'arrow', false, true], ['h', '', 'function', false, true]]],
    ['ignores CommonJS-looking assignments in an ES module', 'm.js', 'import x from "x";\nexports.a = () => x;\n',
      []],
    ['lists function members of top-level object literals as owner.key', 'a.js', 'const api = {\n  get(id) { return id; },\n  put: async (id) => id,\n  "del": function () {},\n  value: 1,\n};\nmodule.exports = api;',
      [['api.get', 'api', 'method', false, true], ['api.put', 'api', 'arrow', true, true], ['api.del', 'api', 'function-expression', false, true]]],
  ];
  for (const [what, file, src, expected] of cases) {
    it(what, () => assert.deepEqual(scan(src, file), expected));
  }

  it('lists static methods and static arrow properties of classes, not instance methods', () => {
    const src = [
      'export class Parser {',
      '  static parse(s: string) { return s; }',
      '  static async load() {}',
      '  static helper = (n: number) => n;',
      '  static count = 0;',
      '  describe() {}',
      '  static get x() { return 1; }',
      '  static #secret() {}',
      '}',
      'const Local = class { static run() {} };',
    ].join('\n');
    assert.deepEqual(scan(src), [
      ['Parser.parse', 'Parser', 'static method', false, true],
      ['Parser.load', 'Parser', 'static method', true, true],
      ['Parser.helper', 'Parser', 'static property', false, true],
      ['Local.run', 'Local', 'static method', false, false],
    ]);
    const s = findJsFunctions(src, 'x.ts');
    assert.deepEqual(s.others.map((o) => [o.name, o.what]), [['Parser', 'class'], ['Parser.describe', 'method that needs an instance'], ['Local', 'class']]);
  });

  it('gives members their own line, end line and directive', () => {
    const src = 'export const api = {\n  // @workload args=[7]\n  work(n) {\n    return n;\n  },\n};';
    const [f] = findJsFunctions(src, 'd.mjs').functions;
    assert.deepEqual([f.name, f.line, f.column, f.endLine, f.directive?.args], ['api.work', 3, 2, 5, [7]]);
  });

  it('an export of a member names its owner in the appended line, never free text', () => {
    assert.equal(appendedExport({ functionName: 'api.get', owner: 'api', isModule: true }), '\nexport { api as __workloadOwner };\n');
    assert.equal(appendedExport({ functionName: 'dumpYaml', owner: 'module.exports', isModule: false }), '\nmodule.exports.__workloadOwner = module.exports;\n');
    assert.equal(appendedExport({ functionName: 'fib', isModule: true }), '\nexport { fib as __workloadTarget };\n');
    assert.throws(() => appendedExport({ functionName: 'x', owner: 'a; process.exit()', isModule: false }), /not a module-scope name/);
  });
});
