// The user's JS/TS runs from an esbuild bundle with an inline source map. This reads that
// map itself, for hot spots (engine side) and for the stacks of the user's errors (in the
// hosts), instead of turning on Node's source-map support in the hosts. With that on
// (process.setSourceMapsEnabled), an allocation-heavy call got slow in worker threads in
// about half of all processes: parse5 on 55 kB of HTML took 4.6-5 ms a call on a thread
// where it takes 2.5 ms, and V8's GC helper threads spent 3-4 times the CPU they spend
// without it, so threads ×2 read 0.64× where a bare piscina pool gives 1.76×; the same
// bare pool with source maps on dropped to 0.6-1.0× in 2 of 4 processes.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { escapeRegExp } from './escapeRegExp';

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

/** Maps positions in a bundle back to the sources its inline source map names. */
export class BundleMap {
  private readonly map: SourceMap | undefined;
  readonly bundleUrl: string;
  /** A bundle position in a stack frame: its path or file URL, then `:line:column`. */
  private readonly framePosition: RegExp;

  constructor(readonly bundlePath: string) {
    this.bundleUrl = pathToFileURL(bundlePath).href;
    this.map = readInlineMap(bundlePath);
    this.framePosition = new RegExp(`(?:${escapeRegExp(this.bundleUrl)}|${escapeRegExp(bundlePath)}):(\\d+):(\\d+)`, 'g');
  }

  /** 0-based generated line/column → absolute source path, 1-based line and column. */
  find(line0: number, col0: number): { file: string; line: number; column: number } | undefined {
    const e = this.map?.findEntry(line0, col0) as { generatedLine?: number; originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!e || e.originalSource === undefined || e.originalLine === undefined) return undefined;
    if (e.generatedLine !== undefined && e.generatedLine !== line0) return undefined;
    return { file: toPath(e.originalSource, this.bundleUrl), line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
  }

  /** A whole generated line (positionTicks carry no column): its last mapping decides. */
  findLine(line1: number): { file: string; line: number } | undefined {
    return this.find(line1 - 1, 1 << 30);
  }

  /**
   * A stack with every frame in the bundle (its path or file URL, `:line:column`)
   * pointing at the source line it came from; frames the map does not cover stay as
   * they are.
   */
  mapStack(stack: string): string {
    return stack.replace(this.framePosition, (whole, line: string, column: string) => {
      const hit = this.find(Number(line) - 1, Number(column) - 1);
      return hit ? `${hit.file}:${hit.line}:${hit.column}` : whole;
    });
  }
}

function readInlineMap(bundlePath: string): SourceMap | undefined {
  const text = readFileSync(bundlePath, 'utf8');
  const m = INLINE_MAP.exec(text);
  if (!m) return undefined;
  return new SourceMap(JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')));
}

/** A source map's source (or a frame's URL) as a file path, when it is a file. */
export function toPath(source: string, baseUrl: string): string {
  try {
    const url = new URL(source, baseUrl);
    return url.protocol === 'file:' ? fileURLToPath(url) : source;
  } catch {
    return source;
  }
}
