// Top-level functions of a Python file, and the static and class methods of its top-level
// classes ("Class.method"), found by Python's own `ast` (run through the harness with the
// user's interpreter), so decorators, `async def`, and syntax that a regex would get
// wrong are read exactly as the interpreter reads them.
import { spawn } from 'node:child_process';
import { directiveAbove } from '../../shared/directive';
import { Errors, ProfileError } from '../../shared/errors';
import type { FunctionInfo, NonFunctionBinding } from '../../shared/functionInfo';
import { pythonFile } from '../paths';

interface ListedFunction {
  name: string;
  line: number;
  column: number;
  endLine: number;
  isAsync: boolean;
  decoratorLine: number | null;
  /** Set for "Class.method": a staticmethod or classmethod of a top-level class. */
  kind?: 'staticmethod' | 'classmethod';
}

interface ListOutput {
  functions?: ListedFunction[];
  others?: NonFunctionBinding[];
  error?: { line: number; col: number; msg: string };
}

export async function findPythonFunctions(
  source: string,
  file: string,
  python: string,
): Promise<{ functions: FunctionInfo[]; others: NonFunctionBinding[] }> {
  const out = await listWithHarness(source, python);
  if (out.error) throw Errors.syntax(file, out.error.line, out.error.col, out.error.msg);
  const lines = source.split(/\r?\n/);
  const functions = (out.functions ?? []).map((f): FunctionInfo => {
    // The directive sits above the first decorator; starting there also copes with
    // decorators that span several lines.
    const directive = directiveAbove(lines, f.decoratorLine ?? f.line);
    return {
      name: f.name,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      isAsync: f.isAsync,
      declaration: f.kind ?? (f.isAsync ? 'async def' : 'def'),
      // Python has no exports: every top-level name is importable.
      exported: true,
      ...(directive ? { directive } : {}),
    };
  });
  return { functions, others: out.others ?? [] };
}

function listWithHarness(source: string, python: string): Promise<ListOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [pythonFile('harness.py'), 'list'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      env: { ...process.env, PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' },
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ProfileError('bad-input', `Could not run ${python} to read the file's functions: ${e.message}. Set workloadProfiler.pythonPath / --python.`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = Buffer.concat(stdout).toString('utf8').trim();
      try {
        resolve(JSON.parse(text) as ListOutput);
      } catch {
        const why = Buffer.concat(stderr).toString('utf8').trim().split('\n').pop() || `exit code ${code}`;
        reject(new ProfileError('internal', `Reading the functions of the file with ${python} failed: ${why}`));
      }
    });
    child.stdin.on('error', () => undefined); // a child that died early is reported on close
    child.stdin.end(source, 'utf8');
  });
}
