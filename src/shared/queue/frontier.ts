// The crawl's frontier: a FIFO of admitted items, the seen-set that drops JSON-equal
// duplicates, the --max-items cap, and the retry-once rule. One class serves every JS
// executor (the engine-fed pools and, bundled, the in-loop queue of the loop worker), so
// "exactly once" means the same thing everywhere. python/queue_harness.py mirrors it.

/** How many times one item may be tried: the first call and one retry. */
export const MAX_ATTEMPTS = 2;

export interface QueuedItem {
  id: number;
  item: unknown;
  /** Id of the item that found it; -1 for a seed. */
  parent: number;
  /** Seeds are depth 1; an item found by a depth-d item is depth d+1. */
  depth: number;
  enqueuedMs: number;
  /** Calls already made for this item (0 before the first). */
  attempts: number;
}

/**
 * JSON with object keys sorted, so {a,b} and {b,a} are the same item. undefined and
 * functions vanish as in JSON.stringify; a value JSON cannot express (BigInt, cycles)
 * throws, and the caller reports it as the item's error.
 */
export function canonicalKey(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v as object).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }
    return v;
  }) ?? 'undefined';
}

export interface FrontierState {
  pending: QueuedItem[];
  seen: string[];
  nextId: number;
  admitted: number;
  duplicates: number;
  capped: boolean;
}

export class Frontier {
  private pending: QueuedItem[] = [];
  private head = 0;
  private readonly seen = new Set<string>();
  private nextId = 0;
  /** Items accepted into the queue, seeds included (never above maxItems). */
  admitted = 0;
  duplicates = 0;
  /** An item was refused because --max-items was reached: the frontier did not end. */
  capped = false;

  constructor(
    private readonly dedupe: boolean,
    private readonly maxItems: number,
  ) {}

  /** Offers a found item; returns the queued entry, or undefined when dropped or over the cap. */
  offer(item: unknown, parent: number, depth: number, nowMs: number): QueuedItem | undefined {
    if (this.dedupe) {
      const key = canonicalKey(item);
      if (this.seen.has(key)) {
        this.duplicates++;
        return undefined;
      }
      if (this.admitted >= this.maxItems) {
        this.capped = true;
        return undefined;
      }
      this.seen.add(key);
    } else if (this.admitted >= this.maxItems) {
      this.capped = true;
      return undefined;
    }
    const q: QueuedItem = { id: this.nextId++, item, parent, depth, enqueuedMs: nowMs, attempts: 0 };
    this.admitted++;
    this.pending.push(q);
    return q;
  }

  take(): QueuedItem | undefined {
    if (this.head >= this.pending.length) return undefined;
    const q = this.pending[this.head];
    this.pending[this.head++] = undefined as unknown as QueuedItem;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return q;
  }

  /**
   * A call on `q` failed (threw, or its worker died). Returns true when it goes back on
   * the queue for its one retry, false when it has used its attempts and is failed.
   */
  retry(q: QueuedItem): boolean {
    if (q.attempts >= MAX_ATTEMPTS) return false;
    this.pending.push(q);
    return true;
  }

  get depth(): number {
    return this.pending.length - this.head;
  }

  /** For handing the crawl to a fresh loop worker after one died. */
  exportState(): FrontierState {
    return {
      pending: this.pending.slice(this.head),
      seen: [...this.seen],
      nextId: this.nextId,
      admitted: this.admitted,
      duplicates: this.duplicates,
      capped: this.capped,
    };
  }

  static fromState(s: FrontierState, dedupe: boolean, maxItems: number): Frontier {
    const f = new Frontier(dedupe, maxItems);
    f.pending = [...s.pending];
    for (const k of s.seen) f.seen.add(k);
    f.nextId = s.nextId;
    f.admitted = s.admitted;
    f.duplicates = s.duplicates;
    f.capped = s.capped;
    return f;
  }
}
