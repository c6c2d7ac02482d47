import assert from 'node:assert/strict';
import { ProfileError } from '../../src/shared/errors';
import { findJsFunctions } from '../../src/engine/js/findJsFunctions';

const names = (src: string, file = 'x.ts') => findJsFunctions(src, file).functions.map((f) => f.name);

describe('findJsFunctions', () => {
  it('finds every top-level function form, exported or not', () => {
    const src = [
      'function plain(a) { return a; }',
      'async function asyncDecl() {}',
      'const arrow = (x) => x * 2;',
      'let asyncArrow = async () => 1;',
      'var expr = function (n) { return n; };',
      'export function exportedDecl() {}',
      'export const exportedArrow = async (n) => n;',
      'export default function defaultNamed() {}',
      'function inner() { function nested() {} const alsoNested = () => 1; }',
    ].join('\n');
    const scan = findJsFunctions(src, 'mod.js');
    assert.deepEqual(
      scan.functions.map((f) => [f.name, f.line, f.isAsync, f.exported, f.declaration]),
      [
        ['plain', 1, false, false, 'function'],
        ['asyncDecl', 2, true, false, 'function'],
        ['arrow', 3, false, false, 'arrow'],
        ['asyncArrow', 4, true, false, 'arrow'],
        ['expr', 5, false, false, 'function-expression'],
        ['exportedDecl', 6, false, true, 'function'],
        ['exportedArrow', 7, true, true, 'arrow'],
        ['defaultNamed', 8, false, true, 'function'],
        ['inner', 9, false, false, 'function'],
      ],
    );
    assert.equal(scan.isModule, true);
  });

  it('records the name column and the end line', () => {
    const [f] = findJsFunctions('\nexport function work(n) {\n  return n;\n}\n', 'a.js').functions;
    assert.equal(f.line, 2);
    assert.equal(f.column, 16);
    assert.equal(f.endLine, 4);
  });

  it('marks functions exported later with export { } as exported', () => {
    const scan = findJsFunctions('function a() {}\nfunction b() {}\nexport { a };\nexport default b;', 'm.mjs');
    assert.deepEqual(
      scan.functions.map((f) => [f.name, f.exported]),
      [
        ['a', true],
        ['b', true],
      ],
    );
  });

  it('tells CommonJS from ESM', () => {
    assert.equal(findJsFunctions('function f() {}\nmodule.exports = { f };', 'c.cjs').isModule, false);
    assert.equal(findJsFunctions('import os from "os";\nfunction f() {}', 'e.js').isModule, true);
  });

  it('puts classes and non-function variables in others', () => {
    const scan = findJsFunctions('class Foo {}\nexport class Bar {}\nconst n = 42;\nconst K = class {};\nconst f = () => 1;', 'o.ts');
    assert.deepEqual(names('class Foo {}\nconst f = () => 1;'), ['f']);
    assert.deepEqual(
      scan.others.map((o) => [o.name, o.what]),
      [
        ['Foo', 'class'],
        ['Bar', 'class'],
        ['n', 'variable'],
        ['K', 'class'],
      ],
    );
  });

  it('reads TypeScript: types, overloads, generics, casts', () => {
    const src = [
      'interface P { x: number }',
      'type F = (p: P) => number;',
      'export function over(a: string): string;',
      'export function over(a: number): number;',
      'export function over(a: any): any { return a; }',
      'export const cast = ((p: P) => p.x) as F;',
      'const generic = <T,>(x: T): T => x;',
      'const sat = (async (n: number) => n) satisfies (n: number) => Promise<number>;',
    ].join('\n');
    const scan = findJsFunctions(src, 'types.ts');
    assert.deepEqual(scan.functions.map((f) => f.name), ['over', 'cast', 'generic', 'sat']);
    assert.equal(scan.functions[0].line, 3);
    assert.equal(scan.functions[3].isAsync, true);
  });

  it('keeps the TS type-assertion syntax for .ts and JSX for .tsx / .js', () => {
    assert.deepEqual(names('const f = (x: unknown) => <number>x;', 'a.ts'), ['f']);
    assert.deepEqual(names('export const C = (p: { n: string }) => <b>{p.n}</b>;', 'c.tsx'), ['C']);
    assert.deepEqual(names('export const C = (p) => <b>{p.n}</b>;', 'c.jsx'), ['C']);
    assert.deepEqual(names('export const C = (p) => <b>{p.n}</b>;', 'c.js'), ['C']);
  });

  it('attaches the @workload directive from the comment right above', () => {
    const src = ['// @workload args=[25, "$i"] budget=5', 'export function fib(n) { return n; }', '', 'function other() {}'].join('\n');
    const [fib, other] = findJsFunctions(src, 'd.js').functions;
    assert.deepEqual(fib.directive, { args: [25, '$i'], budgetSec: 5 });
    assert.equal(other.directive, undefined);
  });

  it('throws a one-line syntax error with file:line:col', () => {
    assert.throws(
      () => findJsFunctions('export function ok() {}\nexport function broken(n) {\n  return n +;\n}\n', 'src/broken.js'),
      (e: unknown) =>
        e instanceof ProfileError && e.code === 'bad-input' && /^Syntax error in src\/broken\.js:3:13: Unexpected token/.test(e.message) && !e.message.includes('\n'),
    );
  });

  it('returns nothing for a file without functions', () => {
    const scan = findJsFunctions('const x = 1;\n', 'n.js');
    assert.deepEqual(scan.functions, []);
    assert.deepEqual(scan.others.map((o) => o.name), ['x']);
  });
});
