// Checks queue-mode options from the CLI, a directive or the extension, with one-line
// actionable errors, and fills the defaults.
import { ProfileError } from '../errors';
import type { WorkloadDirective } from '../functionInfo';
import { QUEUE_DEFAULT_MAX_ITEMS, type QueueOptions } from '../options';

const bad = (msg: string) => new ProfileError('bad-input', msg);

export function checkQueueOptions(q: Partial<QueueOptions> | undefined): QueueOptions {
  if (!q) throw bad('Queue mode needs seeds: pass --seed \'["https://example.test/"]\' or add `@workload queue seeds=[...]` above the function.');
  const seeds = q.seeds;
  if (!Array.isArray(seeds) || seeds.length === 0) {
    throw bad('--seed must be a non-empty JSON array of first items, e.g. --seed \'["/"]\' or --seed \'[{"state":"start"}]\'.');
  }
  for (let i = 0; i < seeds.length; i++) {
    try {
      JSON.stringify(seeds[i]);
    } catch (e) {
      throw bad(`seed #${i} is not a JSON value (${(e as Error).message}).`);
    }
  }
  const maxItems = q.maxItems ?? QUEUE_DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(maxItems) || maxItems < 1) throw bad(`--max-items must be a positive whole number, got "${String(maxItems)}".`);
  return { seeds, dedupe: q.dedupe ?? true, maxItems };
}

/**
 * Queue options from CLI flags layered over a directive's `@workload queue …`: undefined
 * when neither asks for queue mode. Flags win; the seeds must come from one of them.
 */
export function queueOptionsFrom(
  flags: { queue?: boolean; seed?: unknown[]; maxItems?: number; dedupe?: boolean },
  directive?: WorkloadDirective,
): QueueOptions | undefined {
  const d = directive?.queue;
  if (!flags.queue && flags.seed === undefined && !d) return undefined;
  return checkQueueOptions({
    seeds: flags.seed ?? d?.seeds,
    maxItems: flags.maxItems ?? d?.maxItems,
    dedupe: flags.dedupe === false ? false : d?.dedupe ?? true,
  } as Partial<QueueOptions>);
}
