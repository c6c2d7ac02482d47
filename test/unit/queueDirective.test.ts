// `@workload queue seeds=[…] max-items=N no-dedupe` parsing, and how CLI flags layer over it.
import assert from 'node:assert/strict';
import { parseDirectiveText } from '../../src/shared/directive';
import { ProfileError } from '../../src/shared/errors';
import { queueOptionsFrom } from '../../src/shared/queue/queueOptions';

describe('queue directive and options', () => {
  it('reads queue mode, JSON seeds with spaces, max-items and no-dedupe', () => {
    const d = parseDirectiveText('@workload queue seeds=[{"url": "/a b"}, 2] max-items=50 no-dedupe budget=5');
    assert.deepEqual(d?.queue, { seeds: [{ url: '/a b' }, 2], maxItems: 50, dedupe: false });
    assert.equal(d?.budgetSec, 5);
    assert.equal(d?.error, undefined);
  });

  it('does not switch to queue mode for "queue" inside a JSON value', () => {
    const d = parseDirectiveText('@workload args=["queue"]');
    assert.equal(d?.queue, undefined);
    assert.deepEqual(d?.args, ['queue']);
  });

  it('explains bad seeds and a bad max-items in one line', () => {
    assert.match(parseDirectiveText('@workload queue seeds=[1,')!.error!, /seeds= must be followed by a JSON array/);
    assert.match(parseDirectiveText('@workload queue seeds=[]')!.error!, /non-empty/);
    assert.match(parseDirectiveText('@workload queue seeds=[1] max-items=0')!.error!, /max-items= must be a positive whole number/);
  });

  it('flags override the directive; the default cap is 2000 and dedupe is on', () => {
    const d = parseDirectiveText('@workload queue seeds=["/"] max-items=10');
    assert.deepEqual(queueOptionsFrom({}, d), { seeds: ['/'], dedupe: true, maxItems: 10 });
    assert.deepEqual(queueOptionsFrom({ seed: ['/x'], dedupe: false }, d), { seeds: ['/x'], dedupe: false, maxItems: 10 });
    assert.deepEqual(queueOptionsFrom({ seed: [1] }), { seeds: [1], dedupe: true, maxItems: 2000 });
    assert.equal(queueOptionsFrom({}, parseDirectiveText('@workload args=[1]')), undefined);
  });

  it('queue mode without seeds is a bad-input error that says where seeds come from', () => {
    assert.throws(() => queueOptionsFrom({ queue: true }), (e: unknown) => e instanceof ProfileError && e.code === 'bad-input' && /--seed/.test(e.message));
  });
});
