// descendantsOf (src/engine/processTree.ts): the /proc walk the mocha root hook uses to
// end what a timed-out test left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { descendantsOf } from '../../src/engine/processTree';

describe('process tree: descendantsOf', function () {
  this.timeout(20_000);

  it('finds a child and its grandchild by their parent chain, and nothing once they are gone', async function () {
    if (process.platform !== 'linux') this.skip();
    // The child starts a grandchild (a plain sleep) and prints its pid.
    const child = spawn(process.execPath, ['-e', "const c = require('child_process').spawn('sleep', ['30']); console.log(c.pid); setInterval(() => {}, 1000);"], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const grandchild = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      const below = descendantsOf(process.pid);
      assert.ok(below.includes(child.pid!), `child ${child.pid} in ${below.join(' ')}`);
      assert.ok(below.includes(grandchild), `grandchild ${grandchild} in ${below.join(' ')}`);
      assert.deepEqual(descendantsOf(grandchild), []);
      process.kill(grandchild, 'SIGKILL');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    assert.ok(!descendantsOf(process.pid).includes(child.pid!), 'the ended child is no longer listed');
  });
});
