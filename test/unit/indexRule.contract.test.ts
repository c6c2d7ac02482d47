// The "$i" rule is one contract written twice: src/shared/args.ts substituteIndex (JS
// targets) and python/harness.py substitute (Python targets). One table of cases runs
// through both, so the two can never drift apart again (issue 13: they did, and the
// README's own `args=["user-$i"]` passed "user-$i" to every JavaScript call).
import * as assert from 'node:assert/strict';
import { substituteIndex } from '../../src/shared/args';
import { harnessPython } from './harnessPython';

interface Case {
  name: string;
  args: unknown[];
  index: number;
  expected: unknown[];
}

const CASES: Case[] = [
  { name: 'exact "$i" becomes the number', args: ['$i'], index: 7, expected: [7] },
  { name: 'README example: spliced into a longer string', args: ['user-$i'], index: 3, expected: ['user-3'] },
  { name: 'every token in a string', args: ['$i-$i/$i'], index: 12, expected: ['12-12/12'] },
  { name: 'at the start and at the end', args: ['$i.txt', 'id=$i'], index: 0, expected: ['0.txt', 'id=0'] },
  { name: 'followed by punctuation or space', args: ['($i)', '$i ', '$i-x', '$i$i'], index: 4, expected: ['(4)', '4 ', '4-x', '44'] },
  { name: '"$id", "$index", "$i_x", "$i2" stay text', args: ['$id', '$index', '$i_x', '$i2'], index: 5, expected: ['$id', '$index', '$i_x', '$i2'] },
  { name: 'case matters', args: ['$I', 'x$I'], index: 1, expected: ['$I', 'x$I'] },
  { name: 'a non-ASCII letter after it ends the token', args: ['$ié'], index: 2, expected: ['2é'] },
  { name: 'nested arrays and object values', args: [{ id: '$i', tags: ['t$i', ['$i']] }, [['k-$i']]], index: 9, expected: [{ id: 9, tags: ['t9', [9]] }, [['k-9']]] },
  { name: 'object keys are never rewritten', args: [{ $i: 'v', 'key-$i': '$i' }], index: 6, expected: [{ $i: 'v', 'key-$i': 6 }] },
  { name: 'numbers, booleans, null, empty strings pass through', args: [1.5, true, null, '', '$', 'i'], index: 8, expected: [1.5, true, null, '', '$', 'i'] },
  { name: 'large indexes are plain decimal digits', args: ['n$i', '$i'], index: 123456789, expected: ['n123456789', 123456789] },
  { name: 'a "__proto__" key is data', args: [JSON.parse('{"__proto__": "$i"}')], index: 1, expected: [JSON.parse('{"__proto__": 1}')] },
  { name: 'unicode around the token', args: ['🚀$i🚀', 'ü-$i'], index: 10, expected: ['🚀10🚀', 'ü-10'] },
  { name: 'a "$" in the index digits is impossible, "$&" in text is not a pattern', args: ['$&$i'], index: 2, expected: ['$&2'] },
];

/** Runs the same cases through the harness's substitute with the machine's python3. */
function pythonResults(cases: Case[]): unknown[][] {
  return harnessPython<unknown[][]>(
    ['from harness_target import substitute', 'cases = json.load(sys.stdin)', 'print(json.dumps([[substitute(a, c["index"]) for a in c["args"]] for c in cases]))'],
    cases,
  );
}

describe('contract: the "$i" rule is the same in JS and Python', function () {
  this.timeout(30_000);
  let python: unknown[][];
  before(() => {
    python = pythonResults(CASES);
  });

  CASES.forEach((c, n) => {
    it(c.name, () => {
      // JSON round trip on the JS side too: that is what the harness receives and returns.
      const js = JSON.parse(JSON.stringify(substituteIndex(c.args, c.index))) as unknown[];
      assert.deepEqual(js, c.expected, 'JavaScript (src/shared/args.ts)');
      assert.deepEqual(python[n], c.expected, 'Python (python/harness.py)');
    });
  });
});
