// What a profile that ran past its budget says (src/engine/profile.ts overrunCaveat).
import assert from 'node:assert/strict';
import { OVERRUN_NOTED_AT, overrunCaveat } from '../../src/engine/profile';
import { renderCaveat } from '../../src/shared/wording';

describe('overrun caveat', () => {
  it('says nothing within the margin', () => {
    assert.equal(overrunCaveat(3000, 3000), undefined);
    assert.equal(overrunCaveat(3000 * OVERRUN_NOTED_AT, 3000), undefined);
    assert.equal(overrunCaveat(Number.NaN, 3000), undefined);
  });

  it('past it, gives what the profile took, why, and a budget that fits', () => {
    const c = overrunCaveat(4450, 3000);
    assert.ok(c);
    assert.equal(c.level, 'info');
    assert.match(renderCaveat(c, { python: false }), /took 4\.5 s of its 3\.0 s budget/);
    assert.match(renderCaveat(c, { python: false }), /first point/);
    assert.match(renderCaveat(c, { python: false }), /--budget of 5 s or more/);
  });
});
