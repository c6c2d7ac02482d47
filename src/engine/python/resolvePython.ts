// Finds the interpreter to run the harness with. An explicit choice (CLI --python, the
// workloadProfiler.pythonPath setting, or the Python extension's selected interpreter)
// is used as given: silently falling back to another Python would profile against
// different packages. Without one, `python3` then `python` on PATH.
import { execFile } from 'node:child_process';
import { Errors } from '../../shared/errors';
import { pythonFile } from '../paths';

export const MIN_PYTHON: [number, number] = [3, 9];

export interface PythonInfo {
  /** sys.executable: the real binary, not a shim, so later spawns skip the shim's cost. */
  executable: string;
  version: string;
  gilEnabled: boolean;
  /** Start method the harness uses for process pools. */
  startMethod: string;
  /** What the caller asked for (or the PATH name that worked). */
  requested: string;
}

// Python 2 and 3 both run this, so an old interpreter is reported as old, not as broken.
const VERSION_PROBE = "import sys; sys.stdout.write('%d.%d.%d' % tuple(sys.version_info[:3]))";

const resolved = new Map<string, Promise<PythonInfo>>();

export function resolvePython(explicit?: string): Promise<PythonInfo> {
  const key = explicit?.trim() || '';
  let p = resolved.get(key);
  if (!p) {
    p = resolveUncached(key || undefined);
    resolved.set(key, p);
    // Only successes are remembered: the user may install Python and try again.
    p.catch(() => resolved.delete(key));
  }
  return p;
}

async function resolveUncached(explicit: string | undefined): Promise<PythonInfo> {
  const candidates = explicit ? [explicit] : process.platform === 'win32' ? ['python', 'python3', 'py'] : ['python3', 'python'];
  const tried: string[] = [];
  let tooOld: { exe: string; version: string } | undefined;
  for (const candidate of candidates) {
    tried.push(candidate);
    const version = await run(candidate, ['-c', VERSION_PROBE]).catch(() => undefined);
    if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version.trim())) continue;
    const [major, minor] = version.trim().split('.').map(Number);
    if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
      // A too-old `python3` on PATH may sit beside a newer `python`: keep looking.
      tooOld ??= { exe: candidate, version: version.trim() };
      continue;
    }
    const infoText = await run(candidate, [pythonFile('harness.py'), 'info']);
    const info = JSON.parse(infoText) as { executable: string; version: string; gilEnabled: boolean; startMethod: string };
    return {
      executable: info.executable || candidate,
      version: info.version,
      gilEnabled: info.gilEnabled,
      startMethod: info.startMethod,
      requested: candidate,
    };
  }
  if (tooOld) throw Errors.pythonTooOld(tooOld.exe, tooOld.version);
  throw Errors.pythonMissing(tried.join(', '));
}

function run(exe: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(exe, args, { timeout: 20_000, windowsHide: true, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}
