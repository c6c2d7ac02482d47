// A test that times out leaves its engine processes running: mocha moves on, but a
// harness or a child pool still spinning on both cores would slow every later test and
// turn timing-based verdicts wrong. After such a test, end the hosts that test started
// (our hosts and harnesses, found below this process by the engine's own /proc reader);
// long-lived fixtures of a suite (a Redis started in before()) are left alone.
// Built to dist/test/rootHooks.js and loaded by .mocharc.cjs.
import { readFileSync } from 'node:fs';
import type { Context } from 'mocha';
import { descendantsOf } from '../src/engine/processTree';

const HOSTS = /dist\/hosted\/|harness\.py|queue_harness\.py|celery_worker\.py|hotspots\.py/;

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export const mochaHooks = {
  afterEach(this: Context): void {
    const test = this.currentTest;
    if (process.platform !== 'linux' || !test?.timedOut) return;
    const left = descendantsOf(process.pid).filter((pid) => HOSTS.test(cmdline(pid)));
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (left.length) process.stderr.write(`[root hook] "${test.title}" timed out: ended ${left.length} host process(es) it left running\n`);
  },
};
