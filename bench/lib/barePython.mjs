// Runs bench/python/bare_pools.py: raw concurrent.futures pools, the Python reference.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../python/bare_pools.py', import.meta.url));

export function barePython(python, args, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    execFile(python, [script, ...args], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bare_pools.py ${args[0]} failed: ${(stderr || err.message).trim().split('\n').pop()}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new Error(`bare_pools.py ${args[0]} printed no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/**
 * A warm bare ThreadPoolExecutor / ProcessPoolExecutor kept alive in one interpreter
 * (bare_pools.py dispatch-serve): window() runs one closed-loop window on it.
 */
export async function openBarePythonPool(python, kind, k) {
  const { spawn } = await import('node:child_process');
  const child = spawn(python, [script, 'dispatch-serve', '--pool', kind, '--k', String(k)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const waiters = [];
  let failed;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    for (let nl; (nl = buf.indexOf('\n')) >= 0; ) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiters.shift()?.resolve(JSON.parse(line));
    }
  });
  child.on('exit', (code) => {
    failed = new Error(`bare_pools.py dispatch-serve exited (code ${code})`);
    for (const w of waiters.splice(0)) w.reject(failed);
  });
  const next = () => new Promise((resolve, reject) => (failed ? reject(failed) : waiters.push({ resolve, reject })));
  await next(); // {"ready": true}: the pool's workers are up
  return {
    window: async ({ durationMs, warmupMs }) => {
      const out = next();
      child.stdin.write(JSON.stringify({ duration: durationMs / 1000, warmup: warmupMs / 1000 }) + '\n');
      return out;
    },
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', resolve);
        child.stdin.end();
      }),
  };
}
