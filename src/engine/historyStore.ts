// Saved profile reports, one JSON file per report in a directory the caller owns (the
// extension passes its workspace storage). One file per report means a corrupt file
// costs that report only; each write goes to a temp file and is renamed into place, so
// a killed write leaves a stray temp file rather than a half-written report.
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { oneLine } from '../shared/args';
import { OLDEST_READABLE_SCHEMA_VERSION, SCHEMA_VERSION, type Report } from '../shared/report';

const REPORT_SUFFIX = '.report.json';
const TEMP_SUFFIX = '.tmp';
const QUARANTINE_DIR = 'quarantine';
/** A temp file this old cannot belong to a write still in progress (another window). */
const STALE_TEMP_MS = 60_000;

export type HistoryProblemKind = 'corrupt' | 'unknown-version';

export interface HistoryProblem {
  file: string;
  kind: HistoryProblemKind;
  detail: string;
}

export interface HistoryLoad {
  /** Newest first. */
  reports: Report[];
  /** Files that were skipped: corrupt ones were moved to quarantine/, newer-schema ones left in place. */
  problems: HistoryProblem[];
}

export class HistoryStore {
  constructor(
    readonly dir: string,
    private limit: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`history limit must be a positive integer, got ${limit}`);
  }

  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`history limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** Reads every saved report. Never throws for bad files: they are reported in `problems`. */
  async load(): Promise<HistoryLoad> {
    const names = await this.names();
    const reports: Report[] = [];
    const problems: HistoryProblem[] = [];
    const now = Date.now();
    for (const name of names) {
      const file = join(this.dir, name);
      if (name.endsWith(TEMP_SUFFIX)) {
        // Left by a write that was killed before its rename; the report it was writing
        // never became visible, so nothing is lost by removing it.
        const age = await stat(file).then((s) => now - s.mtimeMs, () => 0);
        if (age > STALE_TEMP_MS) await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith(REPORT_SUFFIX)) continue;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // removed by another window meanwhile
      }
      const checked = checkReport(text);
      if (typeof checked !== 'string') {
        reports.push(checked);
      } else if (checked.startsWith('schemaVersion')) {
        // Probably written by a newer version of the extension: keep it for that version.
        problems.push({ file, kind: 'unknown-version', detail: checked });
      } else {
        problems.push({ file: await this.quarantine(name), kind: 'corrupt', detail: checked });
      }
    }
    reports.sort(newestFirst);
    return { reports, problems };
  }

  /** Saves a report, then drops the oldest ones beyond the limit. Returns the ids dropped. */
  async add(report: Report): Promise<string[]> {
    if (report.schemaVersion !== SCHEMA_VERSION) throw new Error(`refusing to save a report with schemaVersion ${report.schemaVersion}`);
    await mkdir(this.dir, { recursive: true });
    const final = join(this.dir, fileNameFor(report.id));
    const temp = `${final}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    // fsync before the rename: after a power cut the rename could otherwise reach the
    // disk before the data does, leaving an empty report under the final name.
    const fh = await open(temp, 'w');
    try {
      await fh.writeFile(JSON.stringify(report), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, final);
    return this.prune();
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, fileNameFor(id)), { force: true });
  }

  /** Removes every saved report this version can read; newer-schema and quarantined files stay. */
  async clear(): Promise<void> {
    const { reports } = await this.load();
    await Promise.all(reports.map((r) => this.remove(r.id)));
  }

  private async prune(): Promise<string[]> {
    const { reports } = await this.load();
    const dropped = reports.slice(this.limit).map((r) => r.id);
    await Promise.all(dropped.map((id) => this.remove(id)));
    return dropped;
  }

  private async names(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  private async quarantine(name: string): Promise<string> {
    const dir = join(this.dir, QUARANTINE_DIR);
    const target = join(dir, `${Date.now()}-${name}`);
    try {
      await mkdir(dir, { recursive: true });
      await rename(join(this.dir, name), target);
      return target;
    } catch {
      return join(this.dir, name);
    }
  }
}

/** Report ids come from the engine, but a file name must never escape the directory. */
export function fileNameFor(id: string): string {
  return `${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 120)}${REPORT_SUFFIX}`;
}

function newestFirst(a: Report, b: Report): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1);
}

/**
 * Parses a saved report and checks the fields every reader relies on. Returns the
 * report, or a one-line reason; reasons about the version start with "schemaVersion".
 */
export function checkReport(text: string): Report | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text, newlines and all; the reason is shown on one line.
    return `not JSON: ${oneLine((e as Error).message)}`;
  }
  if (!isObject(value)) return 'not a JSON object';
  // Older reports stay readable: v1 has the text of the findings but not the codes, and
  // the wording module falls back to that text (src/shared/wording.ts).
  const version = value.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < OLDEST_READABLE_SCHEMA_VERSION || version > SCHEMA_VERSION) {
    return `schemaVersion ${String(version)} is not between ${OLDEST_READABLE_SCHEMA_VERSION} and ${SCHEMA_VERSION}`;
  }
  if (typeof value.id !== 'string' || !value.id) return 'missing id';
  if (typeof value.createdAt !== 'string' || Number.isNaN(Date.parse(value.createdAt))) return 'missing or invalid createdAt';
  const target = value.target;
  if (!isObject(target) || typeof target.file !== 'string' || typeof target.function !== 'string') return 'missing target';
  if (!Array.isArray(value.runs)) return 'missing runs';
  const verdict = value.verdict;
  if (!isObject(verdict) || !['cpu-bound', 'io-bound', 'mixed'].includes(verdict.kind as string)) return 'missing verdict';
  if (!isObject(value.recommendation)) return 'missing recommendation';
  if (!isObject(value.environment)) return 'missing environment';
  return value as unknown as Report;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
