// The /proc walks of src/engine/processTree.ts: descendantsOf, which the mocha root hook
// uses to end what a timed-out test left running; and ProcessTree, which finds a daemon
// by the tag in its environment once it was reparented to init.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { descendantsOf, ProcessTree, readStat } from '../../src/engine/processTree';

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

describe('process tree: ProcessTree', function () {
  this.timeout(20_000);

  it('finds a reparented daemon whose environment read empty at first, once it carries the tag', async function () {
    if (process.platform !== 'linux') this.skip();
    // A process caught in execve() reads an empty environment for a moment; here the
    // daemon starts with a truly empty one (env -i), double-forked so that only the tag
    // links it to the root, and exec's into a tagged `sleep` 0.8 s later.
    const tree = new ProcessTree();
    const root = spawn('sh', ['-c', `(env -i sh -c 'sleep 0.8; exec /usr/bin/env ${tree.tag}=1 sleep 30' & echo $!); exec sleep 30`], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: tree.env(),
    });
    tree.watch(root.pid);
    let daemon = 0;
    try {
      daemon = await new Promise<number>((resolve) => root.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      await new Promise((r) => setTimeout(r, 300));
      tree.sample();
      await new Promise((r) => setTimeout(r, 1200));
      const running = readStat(daemon);
      assert.ok(running && running.state !== 'Z', 'the daemon runs');
      tree.sample();
      assert.ok(tree.seen.has(daemon), `daemon ${daemon} among ${[...tree.seen.keys()].join(' ')}`);
      assert.ok(tree.killAll() >= 1);
      for (let i = 0; i < 20 && readStat(daemon) && readStat(daemon)?.state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 50));
      const left = readStat(daemon);
      assert.ok(!left || left.state === 'Z', 'killAll ended the daemon');
    } finally {
      tree.stop();
      if (daemon) {
        try {
          process.kill(daemon, 'SIGKILL');
        } catch {
          /* gone, as it should be */
        }
      }
      root.kill('SIGKILL');
    }
  });
});
