import assert from 'node:assert/strict';
import { parseArgsJson, substituteIndex, usesIndex } from '../../src/shared/args';
import { ProfileError } from '../../src/shared/errors';

describe('args', () => {
  describe('parseArgsJson', () => {
    it('parses a JSON array', () => {
      assert.deepEqual(parseArgsJson('[25, "a", {"k": [1, null]}]'), [25, 'a', { k: [1, null] }]);
      assert.deepEqual(parseArgsJson(' [] '), []);
    });

    it('rejects invalid JSON with a one-line bad-input error', () => {
      assert.throws(
        () => parseArgsJson('[1, 2'),
        (e: unknown) => e instanceof ProfileError && e.code === 'bad-input' && /must be a JSON array/.test(e.message) && !e.message.includes('\n'),
      );
    });

    it('rejects JSON that is not an array, saying what it got', () => {
      assert.throws(() => parseArgsJson('{"n": 1}'), /got an object/);
      assert.throws(() => parseArgsJson('25'), /got a number/);
      assert.throws(() => parseArgsJson('null'), /got null/);
      assert.throws(() => parseArgsJson('"x"'), /got a string/);
    });

    it('never evaluates code', () => {
      (globalThis as Record<string, unknown>).__argsEvaluated = false;
      assert.throws(() => parseArgsJson('[(globalThis.__argsEvaluated = true)]'), ProfileError);
      assert.equal((globalThis as Record<string, unknown>).__argsEvaluated, false);
    });
  });

  describe('substituteIndex', () => {
    it('replaces every exact "$i" at any depth with the number', () => {
      const args = ['$i', { id: '$i', list: ['$i', 'x'] }, [['$i']], 3];
      assert.deepEqual(substituteIndex(args, 7), [7, { id: 7, list: [7, 'x'] }, [[7]], 3]);
    });

    it('splices the index into longer strings, but not into "$index" or "$I"', () => {
      // The README's `args=["user-$i"]` (issue 13); the full table is in indexRule.contract.test.ts.
      assert.deepEqual(substituteIndex(['$i ', 'a$i', '$index', '$I'], 1), ['1 ', 'a1', '$index', '$I']);
    });

    it('returns a fresh copy and never mutates its input', () => {
      const args = [{ a: ['$i'] }];
      const out = substituteIndex(args, 2);
      assert.deepEqual(args, [{ a: ['$i'] }]);
      (out[0] as { a: unknown[] }).a.push('more');
      assert.deepEqual(substituteIndex(args, 3), [{ a: [3] }]);
    });

    it('keeps a "__proto__" key as plain data', () => {
      const args = parseArgsJson('[{"__proto__": {"polluted": "$i"}}]');
      const out = substituteIndex(args, 5) as Record<string, unknown>[];
      assert.deepEqual(Object.getOwnPropertyDescriptor(out[0], '__proto__')?.value, { polluted: 5 });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('usesIndex finds nested placeholders', () => {
      assert.equal(usesIndex([1, { a: ['$i'] }]), true);
      assert.equal(usesIndex([1, { a: ['i'] }]), false);
    });
  });
});
