import type { ContractsApi, EntityContractsResponse } from '../../api';

/** How often the entity cards ask the backend again. */
export interface RefreshIntervals {
  /** Between refetches of a current answer; 0 turns the periodic refetch off. */
  intervalMs: number;
  /**
   * Before the first refetch of an answer that is not current yet (`stale`, the entity not in
   * the graph yet, or a failed request); doubled on each further one, up to `maxSoonMs`.
   */
  soonMs: number;
  /** The longest pause between refetches of an answer that is not current yet. */
  maxSoonMs: number;
}

/** The defaults: every minute, and 2, 4, 8, 16, 30, 30… seconds while the answer is not current. */
export const DEFAULT_REFRESH_INTERVALS: RefreshIntervals = {
  intervalMs: 60_000,
  soonMs: 2_000,
  maxSoonMs: 30_000,
};

/** What the cards of one entity show; a new object only when something shown changed. */
export interface EntityContractsSnapshot {
  entityRef: string;
  /** The last good answer: kept while a refetch is in flight and when a refetch fails. */
  value?: EntityContractsResponse;
  /** Why the last request failed, when there is no answer to show. */
  error?: Error;
  /** The backend does not hold the entity yet (404); asked again soon. */
  notInGraph: boolean;
  /** Nothing is known yet: the first request is in flight. */
  loading: boolean;
}

interface Entry {
  ref: string;
  snapshot: EntityContractsSnapshot;
  /** The serialized value: a refetch with the same body changes nothing on the page. */
  json?: string;
  listeners: Set<() => void>;
  inFlight: boolean;
  /** The change count ({@link contractsChangeCount}) when the request in flight started. */
  inFlightSince: number;
  /** Ask again as soon as the request in flight is answered (it may predate a change). */
  again: boolean;
  /** Answers in a row that were not current: the backoff exponent. */
  notCurrent: number;
  lastAnswerAt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** The timer fired while the page was hidden: ask when it is shown again. */
  due: boolean;
  evictTimer?: ReturnType<typeof setTimeout>;
}

/** An entry without listeners is forgotten after this long (a tab switch reuses it). */
const EVICT_MS = 5 * 60_000;

let changeCount = 0;

/** Counts the changes a user made (decisions recorded); a request started before one is outdated. */
export function contractsChangeCount(): number {
  return changeCount;
}

/** Marks a change: a refresh asked for from now on is not satisfied by a request in flight. */
export function countContractsChange(): void {
  changeCount++;
}

function isNotFound(error: unknown): boolean {
  const e = error as
    | { name?: string; response?: { status?: number } }
    | undefined;
  return e?.name === 'NotFoundError' || e?.response?.status === 404;
}

function pageHidden(): boolean {
  return (
    typeof document !== 'undefined' && document.visibilityState === 'hidden'
  );
}

/**
 * The answers of `GET /entities/{kind}/{namespace}/{name}`, one request per entity however many
 * cards show it, refetched in the background: soon (backing off) while the answer is not
 * current, every `intervalMs` otherwise, and not while the page is hidden.
 */
export class EntityContractsStore {
  private readonly entries = new Map<string, Entry>();
  private subscribed = 0;

  /**
   * While the backend's signals reach the page, a current answer is refetched when a signal says
   * something changed, not periodically (the periodic refetch is the fallback).
   */
  private signalled = false;

  /** Signals reach the page (or no longer do). */
  setSignalled(on: boolean) {
    this.signalled = on;
  }

  constructor(
    private readonly api: ContractsApi,
    private readonly intervals: RefreshIntervals = DEFAULT_REFRESH_INTERVALS,
  ) {}

  /** The current snapshot of an entity (an entry is made, nothing is requested). */
  get(ref: string): EntityContractsSnapshot {
    return this.entry(ref).snapshot;
  }

  /** Calls `listener` whenever the snapshot of `ref` changes; requests it when needed. */
  subscribe(ref: string, listener: () => void): () => void {
    const e = this.entry(ref);
    clearTimeout(e.evictTimer);
    e.evictTimer = undefined;
    e.listeners.add(listener);
    if (this.subscribed++ === 0 && typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this.onVisibilityChange);
    }
    if (e.listeners.size === 1 && !e.inFlight) {
      const answered = e.lastAnswerAt > 0;
      // a refresh asked after a change and not made yet (the cards left meanwhile) is made now
      if (
        answered &&
        !e.again &&
        Date.now() - e.lastAnswerAt < this.intervals.soonMs
      ) {
        this.schedule(e);
      } else {
        this.fetch(e);
      }
    }
    return () => {
      e.listeners.delete(listener);
      if (--this.subscribed === 0 && typeof document !== 'undefined') {
        document.removeEventListener(
          'visibilitychange',
          this.onVisibilityChange,
        );
      }
      if (e.listeners.size === 0) {
        clearTimeout(e.timer);
        e.timer = undefined;
        e.evictTimer = setTimeout(() => {
          if (e.listeners.size === 0 && this.entries.get(ref) === e) {
            this.entries.delete(ref);
          }
        }, EVICT_MS);
      }
    };
  }

  /**
   * Asks for `ref` again now, unless a request started since the last change is in flight
   * (several cards of one entity ask at once after a decision: one request answers them all).
   */
  refresh(ref: string): void {
    const e = this.entries.get(ref);
    if (!e || e.listeners.size === 0) return;
    if (e.inFlight) {
      if (e.inFlightSince < changeCount) e.again = true;
      return;
    }
    this.fetch(e);
  }

  private entry(ref: string): Entry {
    let e = this.entries.get(ref);
    if (!e) {
      e = {
        ref,
        snapshot: { entityRef: ref, notInGraph: false, loading: true },
        listeners: new Set(),
        inFlight: false,
        inFlightSince: 0,
        again: false,
        notCurrent: 0,
        lastAnswerAt: 0,
        due: false,
      };
      this.entries.set(ref, e);
    }
    return e;
  }

  private readonly onVisibilityChange = () => {
    if (pageHidden()) return;
    for (const e of this.entries.values()) {
      if (e.due && e.listeners.size > 0) this.fetch(e);
    }
  };

  private fetch(e: Entry) {
    if (e.inFlight) return;
    clearTimeout(e.timer);
    e.timer = undefined;
    e.due = false;
    e.inFlight = true;
    e.inFlightSince = changeCount;
    e.again = false;
    // a client that throws instead of rejecting must not leave the entry in flight forever
    let request: Promise<EntityContractsResponse>;
    try {
      request = this.api.getEntity(e.ref);
    } catch (error) {
      request = Promise.reject(error);
    }
    request.then(
      value => this.answered(e, { value }),
      error => this.answered(e, { error: error as Error }),
    );
  }

  private answered(
    e: Entry,
    answer: { value?: EntityContractsResponse; error?: Error },
  ) {
    e.inFlight = false;
    e.lastAnswerAt = Date.now();
    const prev = e.snapshot;
    let next: EntityContractsSnapshot = prev;
    if (answer.value) {
      const json = JSON.stringify(answer.value);
      const value = json === e.json ? prev.value : answer.value;
      e.json = json;
      e.notCurrent = answer.value.stale ? e.notCurrent + 1 : 0;
      if (
        value !== prev.value ||
        prev.error ||
        prev.notInGraph ||
        prev.loading
      ) {
        next = { entityRef: e.ref, value, notInGraph: false, loading: false };
      }
    } else {
      e.notCurrent++;
      // a failed refetch keeps the last good answer on the page
      if (!prev.value) {
        const notInGraph = isNotFound(answer.error);
        const error = notInGraph ? undefined : answer.error;
        if (
          prev.loading ||
          prev.notInGraph !== notInGraph ||
          prev.error?.message !== error?.message
        ) {
          next = { entityRef: e.ref, error, notInGraph, loading: false };
        }
      }
    }
    if (next !== prev) {
      e.snapshot = next;
      e.listeners.forEach(l => l());
    }
    if (e.listeners.size === 0) return;
    if (e.again) {
      this.fetch(e);
    } else {
      this.schedule(e);
    }
  }

  private schedule(e: Entry) {
    clearTimeout(e.timer);
    e.timer = undefined;
    const { intervalMs, soonMs, maxSoonMs } = this.intervals;
    let delay: number;
    if (e.notCurrent > 0) {
      delay = Math.min(soonMs * 2 ** (e.notCurrent - 1), maxSoonMs);
      if (intervalMs > 0) delay = Math.min(delay, intervalMs);
    } else if (intervalMs > 0 && !this.signalled) {
      delay = intervalMs;
    } else {
      return;
    }
    e.timer = setTimeout(() => {
      e.timer = undefined;
      if (pageHidden()) {
        e.due = true;
      } else {
        this.fetch(e);
      }
    }, delay);
  }
}
