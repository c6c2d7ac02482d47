// Folds a V8 CPU profile (inspector Profiler.stop) into hot spots on the user's lines.
// The user's code runs from an esbuild bundle with an inline source map, so every
// bundle position is mapped back to the .js/.ts file it came from. A sample's time goes
// to the innermost frame that is user or node_modules code: a built-in (Math.sqrt,
// JSON.parse) or a node: internal called from the user's function counts for that
// function, and samples in our own runtime (the loop, the worker script) count for no
// listed function.
import { pathToFileURL } from 'node:url';
import { BundleMap, toPath } from '../../shared/bundleSourceMap';
import { isDependencyPath, rankHotspots, tallyKey, type HotspotTally } from './hotspots';
import type { Hotspot } from '../../shared/report';
import type { V8CpuProfile } from '../../shared/hotspotsProtocol';

export interface FoldedV8Profile {
  hotspots: Hotspot[];
  /** Samples in all, and those where the thread was idle (waiting for a promise, I/O, a timer). */
  samples: number;
  idleSamples: number;
  gcSamples: number;
}

type Frame = { kind: 'user' | 'dependency'; function: string; file: string; line: number; mapLine: (bundleLine1: number) => number | undefined } | { kind: 'other' | 'idle' | 'gc' };

/**
 * @param bundlePath the esbuild bundle the worker imported
 * @param ourRuntimeDir frames from files under it are our harness, never listed
 */
export function foldV8Profile(profile: V8CpuProfile, bundlePath: string, ourRuntimeDir: string): FoldedV8Profile {
  const bundle = new BundleMap(bundlePath);
  const ours = pathToFileURL(ourRuntimeDir).href;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const frames = new Map<number, Frame>();
  const frameOf = (id: number): Frame => {
    let f = frames.get(id);
    if (f) return f;
    const cf = byId.get(id)!.callFrame;
    const url = cf.url;
    if (cf.functionName === '(idle)' && !url) f = { kind: 'idle' };
    else if (cf.functionName === '(garbage collector)' && !url) f = { kind: 'gc' };
    else if (url === bundle.bundleUrl) {
      const at = bundle.find(cf.lineNumber, cf.columnNumber);
      if (!at) f = { kind: 'other' };
      else f = { kind: isDependencyPath(at.file) ? 'dependency' : 'user', function: cf.functionName, file: at.file, line: at.line, mapLine: (l) => bundle.findLine(l)?.line };
    } else if (url.startsWith('file:') && !url.startsWith(ours)) {
      // Bare imports stay outside the bundle and load from where they are installed.
      const file = toPath(url, url);
      f = { kind: isDependencyPath(file) ? 'dependency' : 'user', function: cf.functionName, file, line: cf.lineNumber + 1, mapLine: (l) => l };
    } else f = { kind: 'other' };
    frames.set(id, f);
    return f;
  };
  // The node whose function a sample in node `id` is charged to, if any.
  const owners = new Map<number, number | null>();
  const ownerOf = (id: number): number | null => {
    const known = owners.get(id);
    if (known !== undefined) return known;
    let cur: number | undefined = id;
    while (cur !== undefined) {
      const k = frameOf(cur).kind;
      if (k === 'user' || k === 'dependency') break;
      cur = parent.get(cur);
    }
    owners.set(id, cur ?? null);
    return cur ?? null;
  };

  const tallies = new Map<string, HotspotTally>();
  let idle = 0;
  let gc = 0;
  const samples = profile.samples ?? [];
  for (const id of samples) {
    const k = frameOf(id).kind;
    if (k === 'idle') {
      idle++;
      continue;
    }
    if (k === 'gc') {
      gc++;
      continue;
    }
    const owner = ownerOf(id);
    if (owner === null) continue;
    const f = frameOf(owner) as Extract<Frame, { kind: 'user' | 'dependency' }>;
    const key = tallyKey(f.function, f.file, f.line);
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = { function: f.function, file: f.file, line: f.line, origin: f.kind, weight: 0, lines: new Map() }));
    t.weight++;
  }
  // Lines inside each function, from V8's per-line ticks of the function's own samples.
  for (const n of profile.nodes) {
    const f = frameOf(n.id);
    if ((f.kind !== 'user' && f.kind !== 'dependency') || !n.positionTicks) continue;
    const t = tallies.get(tallyKey(f.function, f.file, f.line));
    if (!t) continue;
    for (const p of n.positionTicks) {
      const line = f.mapLine(p.line);
      if (line !== undefined) t.lines.set(line, (t.lines.get(line) ?? 0) + p.ticks);
    }
  }
  const busy = samples.length - idle;
  return { hotspots: rankHotspots(tallies.values(), busy), samples: samples.length, idleSamples: idle, gcSamples: gc };
}
