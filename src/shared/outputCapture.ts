// Keeps what user code prints away from our own stdout and from IPC. Writes are
// intercepted at process.stdout.write / process.stderr.write (console.* ends there
// too), kept up to a byte budget and counted beyond it, so a function that prints
// megabytes per call neither floods memory nor corrupts the CLI's JSON output.
export interface CapturedOutput {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export interface OutputCapture {
  /** Returns what was captured since the last take and starts a fresh buffer; undefined if nothing was printed. */
  take(): CapturedOutput | undefined;
}

export function installOutputCapture(maxBytes: number): OutputCapture {
  // Each stream has its own allowance: megabytes on stdout must not crowd out the one
  // stderr line that explains a failure.
  const kept = { stdout: [] as string[], stderr: [] as string[] };
  const keptBytes = { stdout: 0, stderr: 0 };
  let truncated = false;
  let any = false;

  const patch = (stream: NodeJS.WriteStream, which: 'stdout' | 'stderr') => {
    const write = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
      const callback = typeof encoding === 'function' ? encoding : cb;
      any = true;
      const text =
        typeof chunk === 'string'
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
            : String(chunk);
      const room = maxBytes - keptBytes[which];
      if (room <= 0) truncated = true;
      else if (text.length <= room) {
        kept[which].push(text);
        keptBytes[which] += text.length;
      } else {
        kept[which].push(text.slice(0, room));
        keptBytes[which] = maxBytes;
        truncated = true;
      }
      if (typeof callback === 'function') queueMicrotask(() => (callback as (e?: Error) => void)());
      return true;
    };
    stream.write = write as typeof stream.write;
  };
  patch(process.stdout, 'stdout');
  patch(process.stderr, 'stderr');

  return {
    take() {
      if (!any) return undefined;
      const out = { stdout: kept.stdout.join(''), stderr: kept.stderr.join(''), truncated };
      kept.stdout = [];
      kept.stderr = [];
      keptBytes.stdout = 0;
      keptBytes.stderr = 0;
      truncated = false;
      any = false;
      return out;
    },
  };
}

/** Merges chunks from many threads/children into one bounded copy (per stream) for the report. */
export class OutputCollector {
  private stdout = '';
  private stderr = '';
  private truncated = false;

  constructor(private readonly maxBytes: number) {}

  add(out: CapturedOutput | undefined, stream?: 'stdout' | 'stderr', text?: string): void {
    if (out) {
      this.append('stdout', out.stdout);
      this.append('stderr', out.stderr);
      if (out.truncated) this.truncated = true;
    }
    if (stream && text) this.append(stream, text);
  }

  private append(stream: 'stdout' | 'stderr', text: string): void {
    if (!text) return;
    const room = this.maxBytes - this[stream].length;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    if (text.length > room) {
      text = text.slice(0, room);
      this.truncated = true;
    }
    this[stream] += text;
  }

  result(): CapturedOutput | undefined {
    if (!this.stdout && !this.stderr && !this.truncated) return undefined;
    return { stdout: this.stdout, stderr: this.stderr, truncated: this.truncated };
  }
}
