// Shared generators for the property-based tests (fast-check): the hostile input the
// issue lists (truncated JSON, huge numbers, deep nesting, unicode, __proto__), and a
// check that a call either succeeds or fails with our own one-line error, in bounded time.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProfileError } from '../../src/shared/errors';

/**
 * A liveness bound, not a speed target: a hang is far above it. 3 s failed once in about
 * 30 unit runs on a shared 2-core machine (a GC pause or a stalled VM under one case),
 * with no hang behind it.
 */
export const MAX_CASE_MS = 10_000;

export const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}'], ['[{"k":', '}]']), fc.constantFrom('1', '"$i"', '"user-$i"', '[]'))
  .map(([depth, [open, close], leaf]) => open.repeat(depth) + leaf + close.repeat(depth));

export const hugeNumbers = fc.constantFrom('[1e999]', '[-1e999]', '[123456789012345678901234567890]', '[1e-400]', '[-0]', '[9007199254740993]', '[0.1e99999999999]');

export const protoKeys = fc.constantFrom(
  '[{"__proto__": {"polluted": "$i"}}]',
  '[{"constructor": {"prototype": {"polluted": 1}}}]',
  '[{"__proto__": null}]',
  '{"__proto__": []}',
  '[{"toString": "$i", "valueOf": 1, "hasOwnProperty": "x"}]',
);

/** Valid JSON cut anywhere: what a half-written file or a pasted fragment looks like. */
export const truncatedJson = fc.json({ maxDepth: 4 }).chain((s) => fc.nat({ max: s.length }).map((n) => s.slice(0, n)));

export const unicodeText = fc.string({ unit: 'binary', maxLength: 200 });

/** Everything above plus plain JSON and plain text. */
export const hostileText = fc.oneof(
  fc.json({ maxDepth: 5 }),
  truncatedJson,
  unicodeText,
  fc.string({ maxLength: 200 }),
  deepNesting,
  hugeNumbers,
  protoKeys,
);

/** Runs `f`; any throw must be a one-line ProfileError; returns the result or undefined. */
export function ourErrorOrValue<T>(f: () => T, code = 'bad-input'): T | undefined {
  const t0 = performance.now();
  try {
    return f();
  } catch (e) {
    assert.ok(e instanceof ProfileError, `threw ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(!e.message.includes('\n'), `multi-line message: ${e.message.slice(0, 200)}`);
    return undefined;
  } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < MAX_CASE_MS, `one case took ${ms.toFixed(0)} ms`);
  }
}

export function assertNotPolluted(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
}
