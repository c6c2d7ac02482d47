// What the user's Python code printed, captured from the harness's stdout and stderr.

/**
 * Output the user's code printed, shared by every session of one runtime and bounded
 * per point (each point takes what it printed), as the JS runtimes' OutputCollector is.
 */
export class PythonOutput {
  private stdout = '';
  private stderr = '';
  // Per stream, so a flood on stdout cannot crowd out the stderr that explains a failure.
  private kept = { stdout: 0, stderr: 0 };
  private truncated = false;
  /** Last bytes of stderr, kept even past the cap: they explain a crash. */
  tail = '';

  constructor(private readonly maxBytes: number) {}

  add(stream: 'stdout' | 'stderr', text: string): void {
    if (stream === 'stderr') this.tail = (this.tail + text).slice(-2000);
    const room = this.maxBytes - this.kept[stream];
    if (room <= 0) {
      if (text) this.truncated = true;
      return;
    }
    const part = Buffer.byteLength(text) <= room ? text : Buffer.from(text).subarray(0, room).toString('utf8');
    if (part.length < text.length) this.truncated = true;
    this.kept[stream] += Buffer.byteLength(part);
    this[stream] += part;
  }

  /** What was printed since the last take, or undefined if nothing; the next point starts with a full allowance. */
  take(): { stdout: string; stderr: string; truncated: boolean } | undefined {
    if (!this.stdout && !this.stderr && !this.truncated) return undefined;
    const out = { stdout: this.stdout, stderr: this.stderr, truncated: this.truncated };
    this.stdout = '';
    this.stderr = '';
    this.truncated = false;
    this.kept = { stdout: 0, stderr: 0 };
    return out;
  }
}
