// Worker-thread runtime for queue mode's sequential and async executors: the in-loop
// queue. The frontier lives here, next to the function, and K lanes each take an item,
// await the call, offer what it found and take the next, so exactly K items are in
// flight while the queue has work; a lane with nothing to take waits on the queue.
// Every start and end is posted at once, in order: the engine replays them into a
// mirror of this frontier, so if this thread dies it can hand the crawl to a new one
// with the items in flight retried, never lost.
import { epochNow } from '../shared/closedLoop';
import type { UserFunction } from './lib/targetHost';
import { loadTargetOrReport, threadHost } from './lib/hostSetup';
import { callItem } from './lib/queue/callItem';
import { Frontier } from '../shared/queue/frontier';
import type { LoopCrawlEvent, LoopCrawlMessage, LoopCrawlStart } from '../shared/queue/queueTypes';

const { init, port, post, capture, clock } = threadHost<LoopCrawlMessage>();

function send(e: LoopCrawlEvent): void {
  const output = capture.take();
  post({ type: 'events', events: [e], ...(output ? { output } : {}) });
}

async function crawl(fn: UserFunction, m: LoopCrawlStart & { seedMs: number }): Promise<void> {
  const frontier = m.resume ? Frontier.fromState(m.resume, m.dedupe, m.maxItems) : new Frontier(m.dedupe, m.maxItems);
  if (!m.resume) for (const s of m.seeds ?? []) frontier.offer(s, -1, 1, m.seedMs);
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const wakeAll = () => {
    const w = waiters;
    waiters = [];
    for (const r of w) r();
  };
  // One call at a time: the thread's CPU clock around the call is that item's CPU.
  // With K > 1 the calls interleave on this thread, so per-item CPU is unknown.
  const perItemClock = m.concurrency === 1 ? clock : undefined;
  const lane = async (laneNo: number): Promise<void> => {
    for (;;) {
      if (epochNow() >= m.deadlineMs) return;
      const q = frontier.take();
      if (!q) {
        if (inFlight === 0) return wakeAll();
        await new Promise<void>((r) => waiters.push(r));
        continue;
      }
      inFlight++;
      q.attempts++;
      send({ t: 's', id: q.id, lane: laneNo, at: epochNow() });
      const pending = callItem(fn, q.item, init.callTimeoutMs, perItemClock);
      const r = pending instanceof Promise ? await pending : pending;
      inFlight--;
      send({ t: 'e', id: q.id, ok: r.ok, startMs: r.startMs, endMs: r.endMs, cpuMs: r.cpuMs, found: r.found, ...(r.error ? { error: r.error } : {}) });
      if (r.ok) for (const x of r.found) frontier.offer(x, q.id, q.depth + 1, r.endMs);
      else frontier.retry(q);
      wakeAll();
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, (_, i) => lane(i)));
  const output = capture.take();
  post({ type: 'done', ...(output ? { output } : {}) });
}

async function main(): Promise<void> {
  const fn = await loadTargetOrReport(init, (error) => post({ type: 'loadError', error }));
  if (!fn) return;
  port.on('message', (m: LoopCrawlStart & { seedMs: number }) => void crawl(fn, m));
  post({ type: 'ready', cpuSource: clock.source });
}

void main();
