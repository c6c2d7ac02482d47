// Queue mode on the distributed executor: the job a worker takes (one item of a crawl),
// the event it leaves for the engine, the Redis keys of one crawl and the Lua script
// that admits found items. BullMQ workers (src/hosted/lib/queue/crawlJob.ts), Celery
// workers (python/celery_crawl.py, which gets the script in its config) and the engine
// (src/engine/distributed/distributedCrawl.ts) all go through this one script.
//
// Why the frontier lives in Redis and not in the engine: the workers put the new items
// back on the queue themselves (the crawler's get / put / task_done), so a worker on
// another machine never waits for a round trip through the engine, and the engine only
// reads what happened. Dedupe and the --max-items cap must then be atomic across every
// worker: two workers that find the same URL at the same instant must not both admit
// it, and two that find the 2000th item must not both pass the cap. A Lua script runs
// in Redis as one command, with no other client's command in between, so "is it in the
// seen-set? is there room? admit it, number it" is one step. The rules are those of
// src/shared/queue/frontier.ts (canonical JSON keys, a cap on admitted items, seeds
// count) and python/queue_core.py computes the same keys for Python.
import { canonicalKey } from '../queue/frontier';
import type { ItemRecord } from '../queue/queueTypes';

/** BullMQ job name / Celery task name of a crawl item (point mode's jobs are "call"). */
export const CRAWL_JOB_NAME = 'item';
export const CRAWL_TASK_NAME = 'workload_profiler.item';

/** What one job carries: one item of one crawl. */
export interface CrawlJob {
  crawl: string;
  id: number;
  item: unknown;
  /** Id of the item that found it; -1 for a seed. */
  parent: number;
  depth: number;
  /** Epoch ms when it was put on the queue (by the engine for seeds, else by a worker). */
  enqueuedMs: number;
  /** 1 for the first call; 2 when a failed call put it back for its retry. */
  attempt: number;
  /** No item starts after this (epoch ms): it is reported skipped and the crawl is not drained. */
  deadlineMs: number;
  dedupe: boolean;
  maxItems: number;
}

/**
 * One attempt's outcome, pushed by the worker on the crawl's events list: the fields of
 * the item's record (queueTypes.ts ItemRecord) that a worker knows, plus its own names.
 */
export interface CrawlEventRecord extends Omit<ItemRecord, 'worker' | 'attempts' | 'cpuMs'> {
  /** Attempt number: job.attempt plus the times the queue handed it out again after a worker died. */
  attempt: number;
  /** The queue handed this job out again because the worker running it died (stalled job / acks_late). */
  redelivered: boolean;
  /** The item's last attempt: its record. False for a failed first attempt that goes back for its retry. */
  final: boolean;
  /** The crawl's deadline had passed when a worker took it: not called. */
  skipped?: boolean;
  cpuMs: number | null;
  /** "<host>:<pid>" and the job slot inside that worker (0 .. concurrency-1). */
  worker: string;
  slot: number;
  /** JSON bytes of the job as the worker received it. */
  bytes: number;
}

/** What the script pushes: the record and how many of its found items were admitted. */
export interface CrawlEvent {
  admitted: number;
  event: CrawlEventRecord;
}

export interface CrawlKeys {
  /** Hash: live, next, admitted, duplicates, capped. */
  state: string;
  seen: string;
  /** Hash: item id → the admitted children of its final attempt (JSON), for a re-run after a worker died. */
  final: string;
  events: string;
}

export function crawlKeys(crawl: string): CrawlKeys {
  const p = `workload-profiler:crawl:${crawl}:`;
  return { state: `${p}state`, seen: `${p}seen`, final: `${p}final`, events: `${p}events` };
}

export const crawlKeyList = (k: CrawlKeys): string[] => [k.state, k.seen, k.final, k.events];

/** Job id of one attempt of one item; BullMQ ignores an add whose id is already queued. */
export const crawlJobId = (crawl: string, id: number, attempt: number): string => `${crawl}-${id}-${attempt}`;

/**
 * KEYS: state, seen, final, events (crawlKeys order).
 * ARGV: mode ("seed" | "final" | "attempt"), maxItems, dedupe ("1" | "0"), item id,
 *       event JSON (final / attempt), then (canonical key, item JSON) pairs offered.
 * Returns -1 once the crawl is over (the engine deleted its state), else a flat array
 * id, item JSON, id, item JSON, ... of the items to put on the queue.
 *
 * "final" is idempotent per item: a job run again after its worker died between the
 * script and the end of the job gets back the children not final yet (to re-enqueue)
 * and pushes no second record, so every admitted item ends with exactly one record.
 */
export const CRAWL_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'live') == 0 then return -1 end
local mode = ARGV[1]
if mode == 'attempt' then
  redis.call('RPUSH', KEYS[4], '{"admitted":0,"event":' .. ARGV[5] .. '}')
  return {}
end
if mode == 'final' then
  local prev = redis.call('HGET', KEYS[3], ARGV[4])
  if prev then
    local kids = cjson.decode(prev)
    local again = {}
    for i = 1, #kids, 2 do
      if redis.call('HEXISTS', KEYS[3], tostring(kids[i])) == 0 then
        again[#again + 1] = kids[i]
        again[#again + 1] = kids[i + 1]
      end
    end
    return again
  end
end
local max = tonumber(ARGV[2])
local out = {}
for i = 6, #ARGV, 2 do
  local dup = false
  if ARGV[3] == '1' and redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], 'duplicates', 1)
    dup = true
  end
  if not dup then
    if tonumber(redis.call('HGET', KEYS[1], 'admitted') or '0') >= max then
      redis.call('HSET', KEYS[1], 'capped', 1)
    else
      if ARGV[3] == '1' then redis.call('SADD', KEYS[2], ARGV[i]) end
      local id = redis.call('HINCRBY', KEYS[1], 'next', 1) - 1
      redis.call('HINCRBY', KEYS[1], 'admitted', 1)
      out[#out + 1] = id
      out[#out + 1] = ARGV[i + 1]
    end
  end
end
if mode == 'final' then
  redis.call('HSET', KEYS[3], ARGV[4], cjson.encode(out))
  redis.call('RPUSH', KEYS[4], '{"admitted":' .. (#out / 2) .. ',"event":' .. ARGV[5] .. '}')
end
return out
`;

/** The script's reply as items to enqueue; undefined once the crawl is over. */
export function admittedItems(reply: unknown): { id: number; item: unknown }[] | undefined {
  if (!Array.isArray(reply)) return undefined;
  const out: { id: number; item: unknown }[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) out.push({ id: Number(reply[i]), item: JSON.parse(String(reply[i + 1])) as unknown });
  return out;
}

/** KEYS and ARGV of CRAWL_SCRIPT for one crawl job (mode "seed": `job` is the template, `ev` unused). */
export function crawlScriptArgs(mode: 'seed' | 'final' | 'attempt', job: CrawlJob, ev: CrawlEventRecord | undefined, found: unknown[]): string[] {
  const args = [...crawlKeyList(crawlKeys(job.crawl)), mode, String(job.maxItems), job.dedupe ? '1' : '0', String(job.id), ev ? JSON.stringify(ev) : ''];
  for (const x of found) args.push(job.dedupe ? canonicalKey(x) : '', JSON.stringify(x));
  return args;
}

/** Puts crawl jobs on a BullMQ queue: one job per item attempt, removed once done. */
export function bullEnqueue(queue: { addBulk(jobs: { name: string; data: CrawlJob; opts: Record<string, unknown> }[]): Promise<unknown> }) {
  return (jobs: { id: string; data: CrawlJob }[]): Promise<unknown> =>
    queue.addBulk(jobs.map((j) => ({ name: CRAWL_JOB_NAME, data: j.data, opts: { jobId: j.id, removeOnComplete: true, removeOnFail: true, attempts: 1 } })));
}
