// Queue mode on the distributed executor, engine side, for both engines: make the crawl's
// state live in Redis, let the engine put the seeds on the queue, then read the workers'
// events (one per attempt, pushed by the crawl script) until every admitted item has its
// record (drained), the deadline has passed and the items in flight are done, Redis goes
// away or the profile is cancelled. The workers run the frontier (crawlProtocol.ts); the
// engine only keeps the books: item records, busy spans per job slot, the queue's cost.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { epochNow } from '../../shared/closedLoop';
import { crawlKeyList, crawlKeys, type CrawlEvent, type CrawlJob } from '../../shared/distributed/crawlProtocol';
import type { DistributedRunStats } from '../../shared/distributed/distributedTypes';
import { CrawlRecorder } from '../../shared/queue/crawlRecorder';
import type { CrawlRequest, CrawlResult } from '../../shared/queue/queueTypes';
import type { CpuSource } from '../../shared/report';
import { DistributedTally, jsonBytes } from './distributedStats';
import { redisCommandUsec } from './redisServer';

/** What an engine (BullMQ, Celery) lends the crawl loop. */
export interface CrawlSession {
  /** A client for commands; the loop makes its own blocking connection from it. */
  probe: Redis;
  /** Settles like the promise, unless Redis goes away or the profile is cancelled first (then rejects, everything stopped). */
  guard<T>(p: Promise<T>): Promise<T>;
  /** Puts the seeds on the queue through the crawl script; resolves with how many it admitted. */
  seed(template: CrawlJob, seeds: unknown[]): Promise<number>;
  /** Drops the crawl's jobs still waiting on the queue. */
  purge(): Promise<void>;
  cpuSource: CpuSource;
  /** How long after the deadline an item in flight may still report (call timeout, a dead worker's redelivery). */
  graceMs: number;
  maxOutputBytes: number;
  stats: Omit<DistributedRunStats, 'queueWaitMs' | 'runMs' | 'resultLatencyMs' | 'bytesPerTask' | 'retries'>;
}

export async function runDistributedCrawl(s: CrawlSession, req: CrawlRequest, k: number): Promise<CrawlResult> {
  const crawl = randomUUID();
  const keys = crawlKeys(crawl);
  const recorder = new CrawlRecorder(k, s.maxOutputBytes);
  const tally = new DistributedTally();
  const events = s.probe.duplicate();
  events.on('error', () => undefined);
  const guard = <T>(p: Promise<T>) => s.guard(p);
  // Job slots ("host:pid#slot") numbered in the order they first report. A worker that
  // died is replaced by one with a new pid: its slots take over the least recently busy
  // indexes, so there are never more than K.
  const slotIndex = new Map<string, number>();
  const lastBusy: number[] = Array.from({ length: k }, () => 0);
  const slotOf = (id: string): number => {
    let i = slotIndex.get(id);
    if (i === undefined) {
      i = slotIndex.size < k ? slotIndex.size : lastBusy.indexOf(Math.min(...lastBusy));
      slotIndex.set(id, i);
    }
    return i;
  };
  const usec0 = await redisCommandUsec(s.probe).catch(() => NaN);
  let outstanding = 0;
  let skipped = 0;
  let attempts = 0;
  const finals = new Set<number>();
  const startMs = epochNow();
  try {
    await guard(s.probe.hset(keys.state, 'live', '1', 'next', '0', 'admitted', '0', 'duplicates', '0'));
    const template: CrawlJob = { crawl, id: -1, item: null, parent: -1, depth: 1, enqueuedMs: startMs, attempt: 1, deadlineMs: req.deadlineMs, dedupe: req.dedupe, maxItems: req.maxItems };
    outstanding = await guard(s.seed(template, req.seeds));
    const hardStop = req.deadlineMs + s.graceMs;
    const take = (raw: string) => {
      const seenMs = epochNow();
      const { admitted, event: ev } = JSON.parse(raw) as CrawlEvent;
      attempts++;
      if (ev.redelivered) tally.retries++;
      const slot = slotOf(`${ev.worker}#${ev.slot}`);
      // A slot runs one job at a time and each job's event is pushed before its slot is
      // free again, so this is when the slot finished its previous job.
      const slotFreeMs = lastBusy[slot];
      if (!ev.skipped) {
        recorder.busy[slot].push([ev.startMs, ev.endMs]);
        lastBusy[slot] = Math.max(lastBusy[slot], ev.endMs);
      }
      if (!ev.final) {
        recorder.retried++;
        return;
      }
      // The script pushes one final event per item; a second one would be a bug, not a record.
      if (finals.has(ev.id)) return;
      finals.add(ev.id);
      outstanding += admitted - 1;
      if (ev.skipped) {
        skipped++;
        return;
      }
      const cpuMs = ev.cpuMs ?? NaN;
      recorder.record({ id: ev.id, parent: ev.parent, depth: ev.depth, enqueuedMs: ev.enqueuedMs, attempts: ev.attempt }, slot, { ok: ev.ok, startMs: ev.startMs, endMs: ev.endMs, cpuMs, found: ev.found, ...(ev.error ? { error: ev.error } : {}) });
      // The queue's wait is the hand-off: from when the item was queued and its slot was
      // free to its start. Time spent behind busy workers is the frontier's depth, which
      // the crawl metrics already show; counting it would charge the queue for the pool.
      tally.add({ enqueuedMs: Math.max(ev.enqueuedMs, slotFreeMs), startMs: ev.startMs, endMs: ev.endMs, seenMs, bytes: ev.bytes + jsonBytes(raw), attempt: 1 }, ev.worker);
    };
    while (outstanding > 0 && epochNow() < hardStop) {
      const first = await guard(events.blpop(keys.events, 0.2));
      if (!first) continue;
      take(first[1]);
      // Whatever else is waiting, in one round trip.
      const more = await guard(events.lpop(keys.events, 1000));
      for (const raw of more ?? []) take(raw);
    }
    const state = await guard(s.probe.hgetall(keys.state));
    const endMs = recorder.items.reduce((m, r) => Math.max(m, r.endMs), startMs);
    const counts = { admitted: Number(state.admitted ?? 0), duplicates: Number(state.duplicates ?? 0), capped: state.capped === '1' };
    const result = recorder.result(counts, 'distributed', k, startMs, endMs, outstanding === 0 && skipped === 0, s.cpuSource);
    const usec1 = await redisCommandUsec(s.probe).catch(() => NaN);
    result.distributed = tally.result({ ...s.stats, ...(Number.isFinite(usec1 - usec0) && attempts > 0 ? { brokerMsPerTask: Math.round((usec1 - usec0) / attempts) / 1000 } : {}) });
    if (outstanding > 0) {
      const more = `${outstanding} item${outstanding === 1 ? '' : 's'} still in flight ${Math.round(s.graceMs / 1000)} s after the deadline were abandoned`;
      result.note = result.note ? `${result.note}; ${more}` : more;
    }
    return result;
  } finally {
    // The crawl is over: the script now refuses to admit or report anything for it, and
    // nothing of it stays on the queue or in Redis (a user's Redis included).
    events.disconnect();
    await Promise.race([
      (async () => {
        await s.probe.del(...crawlKeyList(keys));
        await s.purge();
      })().catch(() => undefined),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
  }
}
