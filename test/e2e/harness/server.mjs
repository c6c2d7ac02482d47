// code-server sessions for the e2e harness: a fresh user-data dir and workspace copy per
// session, the server in its own process group (killed as a group, also on Ctrl-C or
// exit), and the tails of its logs for a failure report.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ARTIFACTS, CODE_SERVER, FIXTURES, NODE24_BIN, ROOT, STARTUP_TIMEOUT_MS, TEST_EXTENSION, keep, log, sleep } from './config.mjs';

export const servers = new Set();

/** Kills a server's whole process group: killing only its PID orphans the extension host. */
function killGroupNow(pgid) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopServer(server) {
  if (!servers.has(server)) return;
  servers.delete(server);
  try {
    process.kill(-server.pgid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && groupAlive(server.pgid); i++) await sleep(100);
  if (groupAlive(server.pgid)) killGroupNow(server.pgid);
  // Keep the server's log as an artifact; the session's temp dir goes.
  const name = path.basename(server.session.dir).replace(/-[^-]+$/, '');
  try {
    fs.copyFileSync(server.session.logFile, path.join(ARTIFACTS, `${name}-code-server.log`));
  } catch {
    /* no log written */
  }
  if (!keep) fs.rmSync(server.session.dir, { recursive: true, force: true });
}

// Whatever way this process ends, no server is left behind.
process.on('exit', () => {
  for (const s of servers) killGroupNow(s.pgid);
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    for (const s of servers) killGroupNow(s.pgid);
    process.exit(130);
  });
}

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * Makes a fresh user-data dir, extensions dir and workspace copy, so every session
 * starts as a first-time user would and leaves the repo's fixtures untouched.
 */
export function prepareSession(name, { withTestExtension }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wp-e2e-${name}-`));
  const user = path.join(dir, 'user');
  const ext = path.join(dir, 'extensions');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(path.join(user, 'User'), { recursive: true });
  fs.mkdirSync(ext, { recursive: true });
  fs.writeFileSync(
    path.join(user, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'chat.disableAIFeatures': true,
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        // The machine has 2 cores: built-in services that wake up when a JS file opens
        // (a full tsserver, type acquisition, git scans) would compete with the
        // profile they are watching. A syntax-only tsserver is enough for the tests.
        'typescript.tsserver.useSyntaxServer': 'always',
        'typescript.disableAutomaticTypeAcquisition': true,
        'git.enabled': false,
        'git.autoRepositoryDetection': false,
        'npm.autoDetect': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workloadProfiler.budgetSeconds': 4,
      },
      null,
      2,
    ),
  );
  // An extension is installed by its folder named <publisher>.<name>-<version>.
  const pkg = readJson(path.join(ROOT, 'package.json'));
  fs.symlinkSync(ROOT, path.join(ext, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
  if (withTestExtension) {
    const tpkg = readJson(path.join(TEST_EXTENSION, 'package.json'));
    fs.symlinkSync(TEST_EXTENSION, path.join(ext, `${tpkg.publisher}.${tpkg.name}-${tpkg.version}`), 'dir');
  }
  fs.cpSync(FIXTURES, workspace, { recursive: true });
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, '');
  return { dir, user, ext, workspace, config, logFile: path.join(dir, 'code-server.log') };
}

export async function startServer(session, extraEnv = {}) {
  const port = await freePort();
  const out = fs.openSync(session.logFile, 'a');
  const child = spawn(
    CODE_SERVER,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      // An empty config of its own, so ~/.config/code-server (password, port) plays no part.
      '--config', session.config,
      '--user-data-dir', session.user,
      '--extensions-dir', session.ext,
      session.workspace,
    ],
    {
      // detached: its own session and process group, so one kill stops it all.
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH}`, ...extraEnv },
    },
  );
  fs.closeSync(out);
  const server = { pgid: child.pid, port, url: `http://127.0.0.1:${port}`, session, exited: false };
  servers.add(server);
  child.on('exit', (code, signal) => {
    server.exited = true;
    server.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`code-server exited at start (${server.exitInfo})\n${logTail(session.logFile)}`);
    try {
      const res = await fetch(`${server.url}/healthz`);
      if (res.ok) return server;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer on ${server.url} within ${STARTUP_TIMEOUT_MS / 1000}s`);
}

export function logTail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/** The extension host's own logs say why an extension failed; print their tails on failure. */
export function extensionHostLogs(session) {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost|remoteagent|workload/i.test(e.name) && e.name.endsWith('.log')) found.push(p);
    }
  };
  walk(path.join(session.user, 'logs'));
  return found.map((f) => `--- ${path.relative(session.user, f)}\n${logTail(f, 25)}`).join('\n');
}
