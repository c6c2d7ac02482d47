// Finds the interpreter to run the harness with. An explicit choice (CLI --python, the
// workloadProfiler.pythonPath setting, or the Python extension's selected interpreter)
// is used as given: silently falling back to another Python would profile against
// different packages. Without one, `python3` then `python` on PATH.
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
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

// One start of the interpreter answers both questions: its version on the first line and,
// when it is new enough, what the harness needs to know (harness_contract.interpreter_info)
// as JSON on the second. Python 2 and 3 both run this, so an old interpreter is reported
// as old, not as broken. One start, not two: each costs 0.3-0.6 s on a slow VM, the CLI
// resolves the interpreter on every run, and with the function listing and the harness
// four starts took 1.1-1.5 s of a profile's budget before its first measured call.
const INFO_PROBE = [
  'import sys',
  'v = tuple(sys.version_info[:3])',
  "sys.stdout.write('%d.%d.%d' % v)",
  `if v >= (${MIN_PYTHON[0]}, ${MIN_PYTHON[1]}):`,
  // -c puts the current directory ('') first on sys.path: a project's own json.py must not stand in for ours.
  "    sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p]",
  '    import json',
  '    from harness_contract import interpreter_info',
  "    sys.stdout.write('\\n' + json.dumps(interpreter_info()))",
].join('\n');

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
    const out = await run(candidate, ['-c', INFO_PROBE, dirname(pythonFile('harness.py'))]);
    const [firstLine = '', infoText] = out.stdout.split('\n');
    const version = firstLine.trim();
    if (!/^\d+\.\d+\.\d+$/.test(version)) continue;
    const [major, minor] = version.split('.').map(Number);
    if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
      // A too-old `python3` on PATH may sit beside a newer `python`: keep looking.
      tooOld ??= { exe: candidate, version };
      continue;
    }
    // It runs and is new enough, but the harness's own module failed to load.
    if (!out.ok || !infoText) throw Errors.pythonBroken(candidate, version, out.stderr.trim().split('\n').pop() ?? '');
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

/** Runs the interpreter; never rejects: a missing or failing one gives ok: false and what it printed. */
function run(exe: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(exe, args, { timeout: 20_000, windowsHide: true, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve({ ok: !err, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') });
    });
  });
}
