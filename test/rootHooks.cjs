// A test that times out leaves its engine processes running: mocha moves on, but a
// harness or a child pool still spinning on both cores would slow every later test and
// turn timing-based verdicts wrong. After such a test, end the hosts that test started
// (our hosts and harnesses, found by walking /proc from this process); long-lived
// fixtures of a suite (a Redis started in before()) are left alone.
const { readdirSync, readFileSync } = require('node:fs');

const HOSTS = /dist\/hosted\/|harness\.py|queue_harness\.py|celery_worker\.py|hotspots\.py/;

function children() {
  const byParent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return byParent;
}

function descendants(pid) {
  const byParent = children();
  const out = [];
  const todo = [pid];
  while (todo.length) for (const c of byParent.get(todo.pop()) ?? []) out.push(c), todo.push(c);
  return out;
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

exports.mochaHooks = {
  afterEach() {
    if (process.platform !== 'linux' || !this.currentTest || !this.currentTest.timedOut) return;
    const left = descendants(process.pid).filter((pid) => HOSTS.test(cmdline(pid)));
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (left.length) process.stderr.write(`[root hook] "${this.currentTest.title}" timed out: ended ${left.length} host process(es) it left running\n`);
  },
};
