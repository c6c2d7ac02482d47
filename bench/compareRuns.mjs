// Compares two bench runs figure by figure: `node bench/compareRuns.mjs a.json b.json
// [--within 0.10]`. For each figure both runs measured, prints both medians and how far
// apart they are relative to the first; exits 1 if a figure with a target (the ratios)
// moved by more than --within (10% by default), which is the stability issue 14 asks of
// the dispatch figures.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const wi = args.indexOf('--within');
const within = wi >= 0 ? Number(args.splice(wi, 2)[1]) : 0.1;
if (args.length !== 2 || !(within > 0)) {
  console.error('usage: node bench/compareRuns.mjs first/results.json second/results.json [--within 0.10]');
  process.exit(2);
}
const [a, b] = args.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const byId = new Map(b.figures.map((f) => [f.id, f]));
let bad = 0;
for (const fa of a.figures) {
  const fb = byId.get(fa.id);
  if (!fb || fa.median == null || fb.median == null) continue;
  const gap = Math.abs(fb.median - fa.median) / Math.abs(fa.median || 1);
  const judged = fa.target != null;
  const off = judged && gap > within;
  if (off) bad++;
  const stab = (f) => (f.stability ? (f.stability.stable ? ' stable' : ' NOT STABLE') : '');
  console.log(`${off ? 'DIFFER' : judged ? 'agree ' : '      '} ${fa.id.padEnd(28)} ${fa.median.toFixed(3)}${stab(fa)} vs ${fb.median.toFixed(3)}${stab(fb)}  (${(gap * 100).toFixed(1)}%)`);
}
console.log(bad ? `${bad} figure(s) with a target differ by more than ${(within * 100).toFixed(0)}%` : `every figure with a target agrees within ${(within * 100).toFixed(0)}%`);
process.exit(bad ? 1 : 0);
