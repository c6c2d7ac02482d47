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
