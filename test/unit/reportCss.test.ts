// The panel's stylesheet (media/report.css) as a browser reads it: one rule left open
// swallowed every rule after it (the hot-spot share bars, the queue chart and its
// legend), and the queue depth chart drew as solid black shapes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';

const css = readFileSync(path.join(packageRoot(), 'media/report.css'), 'utf8');

/** Top-level selectors, in order, and the brace depth left at the end (comments stripped). */
function topLevel(text: string): { selectors: string[]; depth: number } {
  const bare = text.replace(/\/\*[\s\S]*?\*\//g, '');
  const selectors: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < bare.length; i++) {
    if (bare[i] === '{') {
      if (depth === 0) selectors.push(bare.slice(start, i).trim());
      depth++;
    } else if (bare[i] === '}') {
      depth--;
      assert.ok(depth >= 0, `a "}" with no rule open, near: ${bare.slice(Math.max(0, i - 60), i)}`);
      if (depth === 0) start = i + 1;
    }
  }
  return { selectors, depth };
}

describe('the report stylesheet', () => {
  it('closes every rule, so no rule nests inside the one before it', () => {
    const { selectors, depth } = topLevel(css);
    assert.equal(depth, 0, 'a rule is left open');
    for (const s of selectors) assert.ok(!/[;:]\s*$/.test(s) && !/\n\s*[\w-]+\s*:\s*[^;{]+;/.test(s), `a declaration leaked into a selector: ${s.slice(0, 120)}`);
  });

  it('styles the queue chart, its legend, the idle bars and the hot-spot share bars at the top level', () => {
    const { selectors } = topLevel(css);
    for (const s of ['.queue-depth .depth-line', '.depth-line.exec-thread', '.queue-legend', '.legend-item.exec-async::before', '.idle-bar', '.idle-fill', '.share-bar', '.share-bar > span', '.headline-changes li']) {
      assert.ok(selectors.includes(s), `no top-level rule for ${s}`);
    }
  });
});
