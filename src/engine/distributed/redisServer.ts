// The Redis the distributed executor talks to: either one the user runs (--redis URL,
// setting workloadProfiler.redisUrl) or our own redis-server on a free loopback port
// with persistence off, which we always stop (success, error, cancel, even exit).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExecutorUnavailable } from '../../shared/errors';
import { killAtExit } from '../processGroups';

export interface RedisEndpoint {
  url: string;
  /** "own" for the server we started, else host:port of the user's. */
  label: string;
  host: string;
  port: number;
  /** Our server's pid (tests check it is gone). */
  pid?: number;
  /** Our server: resolves when its process exits, for whatever reason. */
  exited?: Promise<void>;
  /** Stops our server; a no-op for the user's. Idempotent. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or pass --redis redis://host:port';

/** Checks a user-given URL up front, with a one-line error that says what a good one looks like. */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ExecutorUnavailable(`--redis must be a URL like redis://127.0.0.1:6379/0, got "${url}".`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ExecutorUnavailable(`--redis must start with redis:// or rediss://, got "${url}".`);
  }
  return u;
}

/** Host:port without the password, for reports and messages. */
export function redisLabel(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '6379'}`;
}

/** Sends PING over a raw socket; resolves true on +PONG (or NOAUTH: the server is up). */
export function pingRedis(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.includes('NOAUTH'));
    });
    sock.once('error', () => done(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Uses the user's Redis: it must answer PING now, or the error says so in one line. */
export async function useExistingRedis(url: string): Promise<RedisEndpoint> {
  const u = parseRedisUrl(url);
  const port = Number(u.port || 6379);
  if (!(await pingRedis(u.hostname, port, 2000))) {
    throw new ExecutorUnavailable(`No Redis answers at ${redisLabel(url)} (from --redis / workloadProfiler.redisUrl): start it or fix the address; a profile without --redis starts a private redis-server instead.`);
  }
  return { url, label: redisLabel(url), host: u.hostname, port, stop: async () => undefined };
}

/** Starts redis-server on a free loopback port, persistence off, and waits until it answers. */
export async function startOwnRedis(signal?: AbortSignal, binary = process.env.WORKLOAD_PROFILER_REDIS_SERVER || 'redis-server'): Promise<RedisEndpoint> {
  // A port found free can be taken before redis binds it: try a few.
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'workload-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', '--protected-mode', 'yes'];
    // Not detached: it stays in the engine process's group, so killing that group (the
    // CLI's cancel, or the engine's death) takes the server down too.
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // Even a process.exit() of the host stops it.
    const untrack = killAtExit(() => proc.kill('SIGKILL'));
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const exited = new Promise<{ code: number | null; error?: NodeJS.ErrnoException }>((resolve) => {
      proc.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, error }));
      proc.once('exit', (code) => resolve({ code }));
    });
    const cleanupDir = () => rmSync(dir, { recursive: true, force: true });
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
          proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 1000);
          await exited;
          clearTimeout(t);
        }
        untrack();
        cleanupDir();
      })());
    const deadline = Date.now() + 5000;
    let up = false;
    let gone: { code: number | null; error?: NodeJS.ErrnoException } | undefined;
    void exited.then((r) => (gone = r));
    while (!up && !gone && Date.now() < deadline && !signal?.aborted) {
      up = await pingRedis('127.0.0.1', port, 300);
      if (!up) await new Promise((r) => setTimeout(r, 30));
    }
    if (up) return { url: `redis://127.0.0.1:${port}/0`, label: 'own', host: '127.0.0.1', port, pid: proc.pid, exited: exited.then(() => undefined), stop };
    await stop();
    if (signal?.aborted) throw new ExecutorUnavailable('Cancelled while starting redis-server.');
    if (gone?.error?.code === 'ENOENT') throw new ExecutorUnavailable(`redis-server not found, so the distributed executor cannot run: ${INSTALL_HINT}.`);
    if (gone?.error) throw new ExecutorUnavailable(`redis-server could not start (${gone.error.message}): ${INSTALL_HINT}.`);
    lastError = stderr.trim().split('\n').pop() ?? `exit code ${gone?.code}`;
    if (!/address already in use/i.test(stderr)) break;
  }
  throw new ExecutorUnavailable(`redis-server did not start on loopback: ${lastError || 'no answer within 5 s'}.`);
}

/** The user's Redis when a URL is given, else our own. */
export function openRedis(url: string | undefined, signal?: AbortSignal): Promise<RedisEndpoint> {
  return url ? useExistingRedis(url) : startOwnRedis(signal);
}

/**
 * Calls onLost once when the server stops answering: at once if our own server exits,
 * or after `misses` failed PINGs in a row. Clients would otherwise retry forever and a
 * point waiting on results would hang. Returns the stop function.
 */
export function watchRedis(r: RedisEndpoint, onLost: (why: string) => void, everyMs = 500, misses = 3): () => void {
  let stopped = false;
  let failed = 0;
  let fired = false;
  const lose = (why: string) => {
    if (stopped || fired) return;
    fired = true;
    onLost(why);
  };
  void r.exited?.then(() => lose('the redis-server process exited'));
  const timer = setInterval(() => {
    void pingRedis(r.host, r.port, everyMs).then((ok) => {
      failed = ok ? 0 : failed + 1;
      if (failed >= misses) lose(`it did not answer ${misses} PINGs in a row`);
    });
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** ioredis options for a URL, with retries bounded so a dead server cannot keep us waiting. */
export function redisOptions(url: string): Record<string, unknown> {
  const u = new URL(url);
  const db = Number(u.pathname.replace('/', '') || 0);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => (times > 20 ? null : 100),
  };
}

/**
 * Microseconds Redis has spent running commands so far (INFO commandstats). Redis runs
 * commands one at a time, so the growth per task is the queue's serial part. On a shared
 * Redis other clients' commands count too (docs/distributed.md).
 */
export async function redisCommandUsec(client: { info(section: string): Promise<string> }): Promise<number> {
  const text = await client.info('commandstats');
  let total = 0;
  for (const m of text.matchAll(/,usec=(\d+),/g)) total += Number(m[1]);
  return total;
}
