// Property-based tests (issue 12): the --args parser, the "$i" substitution, the
// @workload directive parser and the JS/TS function finder, fed random and malformed
// input. Nothing may throw anything but our own one-line ProfileError, nothing may
// hang, and nothing may pollute Object.prototype.
import { deepEqual as looseDeepEqual } from 'node:assert';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_ARGS_DEPTH, parseArgsJson, substituteIndex, usesIndex } from '../../src/shared/args';
import { directiveAbove, parseDirectiveText } from '../../src/shared/directive';
import { findJsFunctions } from '../../src/engine/js/findJsFunctions';
import { assertNotPolluted, deepNesting, hostileText, ourErrorOrValue, protoKeys, unicodeText } from './fuzzSupport';

const RUNS = { numRuns: 300 };

describe('fuzz: parsers and finders', function () {
  this.timeout(120_000);

  it('--args: an array, or the one-line bad-args error; substitution never throws', () => {
    fc.assert(
      fc.property(hostileText, fc.nat(), (text, i) => {
        const args = ourErrorOrValue(() => parseArgsJson(text));
        if (args !== undefined) {
          assert.ok(Array.isArray(args));
          const out = substituteIndex(args, i);
          assert.equal(out.length, args.length);
          // Still JSON data: it must survive the trip to a worker or to Python unchanged
          // (so no Infinity from 1e999, which JSON would turn into null; -0 may become 0).
          looseDeepEqual(JSON.parse(JSON.stringify(out)), out);
          if (!usesIndex(args)) assert.deepEqual(out, args);
        }
        assertNotPolluted();
      }),
      RUNS,
    );
  });

  it('--args: nesting beyond the limit is refused, within it is substituted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * MAX_ARGS_DEPTH }), (depth) => {
        const text = '['.repeat(depth) + '"$i"' + ']'.repeat(depth);
        const args = ourErrorOrValue(() => parseArgsJson(text));
        assert.equal(args !== undefined, depth <= MAX_ARGS_DEPTH, `depth ${depth}`);
        if (args) assert.equal(JSON.stringify(substituteIndex(args, 4)), '['.repeat(depth) + '4' + ']'.repeat(depth));
      }),
      { numRuns: 60 },
    );
  });

  it('"$i": arbitrary strings around the token get the index, the rest is unchanged', () => {
    fc.assert(
      fc.property(unicodeText, unicodeText, fc.nat(), (a, b, i) => {
        const safeA = a.replaceAll('$i', '');
        const safeB = b.replaceAll('$i', '');
        const [out] = substituteIndex([`${safeA}$i-${safeB}`], i) as [string];
        if (!`${safeA}$i-${safeB}`.replace(/\$i(?![A-Za-z0-9_])/g, '').includes('$i')) assert.ok(!/\$i(?![A-Za-z0-9_])/.test(out), out);
        assert.ok(out.includes(`${i}-`), out);
      }),
      RUNS,
    );
  });

  it('@workload: never throws; a problem is a one-line `error`, args are always an array', () => {
    const directive = fc
      .tuple(fc.constantFrom('// ', '# ', ' * ', '/* '), fc.oneof(hostileText, deepNesting, protoKeys), fc.oneof(fc.constant(''), fc.string({ maxLength: 20 })), fc.constantFrom('', ' */'))
      .map(([lead, args, budget, tail]) => `${lead}@workload args=${args} budget=${budget}${tail}`);
    fc.assert(
      fc.property(fc.oneof(directive, unicodeText), (line) => {
        const d = ourErrorOrValue(() => parseDirectiveText(line));
        if (d) {
          if (d.args !== undefined) assert.ok(Array.isArray(d.args));
          if (d.budgetSec !== undefined) assert.ok(Number.isFinite(d.budgetSec) && d.budgetSec > 0);
          if (d.error !== undefined) assert.ok(!d.error.includes('\n'), d.error);
          if (d.args) substituteIndex(d.args, 1);
        }
        const lines = [line, line, 'function f() {}'];
        ourErrorOrValue(() => directiveAbove(lines, 3));
        assertNotPolluted();
      }),
      RUNS,
    );
  });

  it('JS finder: random and half-valid sources list functions or give a one-line syntax error', () => {
    const fragments = fc.constantFrom(
      'function f(a) { return a; }',
      'module.exports = { dumpYaml: (n) => n, ',
      'exports.x = function () {};',
      'class P { static parse(s) { return s; } }',
      'export const api = { get() {}, put: async () => 1 };',
      'const __proto__ = { constructor() {} };',
      'module.exports = { __proto__: () => 1, "constructor": () => 2 };',
      '`${',
      '/* unterminated',
      '"\\u{1F600}"; const é = () => 1;',
      '<div>{x}</div>',
    );
    const source = fc.oneof(
      fc.array(fragments, { maxLength: 6 }).map((xs) => xs.join('\n')),
      fc.array(fragments, { minLength: 1, maxLength: 6 }).chain((xs) => fc.nat({ max: xs.join('\n').length }).map((n) => xs.join('\n').slice(0, n))),
      unicodeText,
      fc.integer({ min: 1, max: 20_000 }).map((d) => `const x = ${'('.repeat(d)}1${')'.repeat(d)};`),
      fc.integer({ min: 1, max: 20_000 }).map((d) => `const x = ${'['.repeat(d)}${']'.repeat(d)};`),
    );
    fc.assert(
      fc.property(source, fc.constantFrom('a.js', 'a.ts', 'a.tsx', 'a.cjs', 'a.mjs'), (src, file) => {
        const scan = ourErrorOrValue(() => findJsFunctions(src, file));
        if (scan) {
          for (const f of scan.functions) {
            assert.ok(f.line >= 1 && f.endLine >= f.line && f.column >= 0, JSON.stringify(f));
            // Dotted names are owner.key with plain identifiers: the loader splits them back.
            assert.match(f.name, /^[A-Za-z_$\p{L}][\w$\p{L}\p{N}]*(\.[A-Za-z_$][\w$]*)?$/u);
            if (f.owner) assert.match(f.owner, /^[A-Za-z_$\p{L}][\w$\p{L}\p{N}]*(\.exports)?$/u);
          }
        }
        assertNotPolluted();
      }),
      RUNS,
    );
  });
});
