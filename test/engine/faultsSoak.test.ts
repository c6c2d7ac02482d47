// Profiles back to back (test/engine/soak.ts): the driver's memory and open file
// descriptors stay flat, nothing is left running, and the saved-results store reads
// back every report. The suite runs a short mix; `npm run soak` runs 100 profiles
// (SOAK_PROFILES) and prints the figures the README quotes.
import * as assert from 'node:assert/strict';
import { formatSoak, runSoak, SOAK_CASES } from './soak';

const PROFILES = Number(process.env.SOAK_PROFILES) || 12;

describe('soak: profiles back to back through the engine', function () {
  // About 3 s a profile on a shared 2-core machine, with room to spare.
  this.timeout(60_000 + PROFILES * 15_000);
  this.slow(PROFILES * 4000);

  it(`${PROFILES} profiles mixing good and bad functions: flat memory and fds, zero leftovers, an intact store`, async function () {
    if (process.platform !== 'linux') this.skip(); // /proc/self/fd
    const verbose = Boolean(process.env.SOAK_PROFILES);
    const f = await runSoak(PROFILES, 1000, verbose ? (l) => console.log(l) : undefined);
    console.log(formatSoak(f).replace(/^/gm, '      '));
    assert.deepEqual(f.unexpected, [], 'every case ended as expected');
    assert.equal(f.reports + f.errors, PROFILES);
    assert.ok(f.errors > 0 && f.reports > 0, 'the mix had both outcomes');
    assert.deepEqual(f.leftovers, [], 'processes left running');
    assert.deepEqual(f.history, { saved: f.reports, loaded: f.reports, problems: 0 });
    // Flat: no descriptor kept per profile, and memory well under what one leaked report per profile would add.
    assert.ok(f.fds.end <= f.fds.start + 3, `fds ${f.fds.start} → ${f.fds.end}`);
    assert.ok(f.rssMb.end - f.rssMb.start < 80, `RSS ${f.rssMb.start} → ${f.rssMb.end} MB`);
    assert.ok(SOAK_CASES.length >= 12);
  });
});
