/*
 * Parses contracts in a worker thread while the main thread is still reading the catalog files
 * (opt-in: `CONTRACTS_CLI_WORKERS=1`). The worker calls
 * the same `parseEntityContract` as everything else; its results are the same plain data.
 *
 * Entries are sent in batches as they are read, never more than two ahead of the worker (it
 * counts the batches it finished in shared memory, which the busy main thread can read). What
 * was not sent when reading ends is shared: the worker keeps taking batches from the front, the
 * main thread parses from the back. If the worker fails,
 * the main thread parses what it did not return: results never depend on the worker.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Worker,
  isMainThread,
  parentPort,
  workerData,
} from 'node:worker_threads';
import {
  type ContractSource,
  type ParseEntityContractOptions,
  type ParsedEntityContract,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import type { CatalogEntry } from './catalog/types';

/**
 * How the CLI parses: its contracts live for one run, so they are not compacted for keeping
 * (that costs ≈ 10 % of the parse time and saves memory only a long-lived process needs).
 */
export const ONE_SHOT: ParseEntityContractOptions = { compact: false };

/** `workerData.role` of the parse worker. */
const ROLE = 'contracts-parse-worker';

interface Batch {
  id: number;
  entries: CatalogEntry[];
}

interface Request {
  id: number;
  items: Array<{ ref: string; sources: ContractSource[] }>;
}

interface Reply {
  id: number;
  results: ParsedEntityContract[];
}

/** True in the parse worker: the CLI's entry point serves it instead of running the CLI. */
export function isParseWorker(): boolean {
  return !isMainThread && (workerData as { role?: string })?.role === ROLE;
}

/** The worker's side: parses each batch it is sent, replies, and counts it as done. */
export function serveParseWorker(): void {
  const done = new Int32Array((workerData as { done: SharedArrayBuffer }).done);
  parentPort!.on('message', (request: Request) => {
    const results = request.items.map(item =>
      parseEntityContract(item.ref, item.sources, ONE_SHOT),
    );
    parentPort!.postMessage({ id: request.id, results } satisfies Reply);
    Atomics.add(done, 0, 1);
  });
}

/**
 * Whether to use the worker: `CONTRACTS_CLI_WORKERS=0` never, `1` whenever there are two cores,
 * `force` at once even for a few entries (tests). Off by default: on the 2-core machines we
 * measure on, alternating runs of a 10k-entity check gave the same wall time with and without it
 * (3.41 s and 3.47 s on average over six pairs) for ≈ 1.7 s more CPU: the worker warms up a
 * second copy of the parser, and copying its results back costs a third of what it saves.
 */
export interface ParallelOptions {
  env: Record<string, string | undefined>;
}

/** The parse results of the entries handed to {@link ParallelParser.add}. */
export type ParsedEntries = Map<CatalogEntry, ParsedEntityContract>;

/** Parses entries handed to it as they are read, in a worker thread and on the main thread. */
export class ParallelParser {
  private readonly batchSize: number;
  /** Entries read before the worker is worth starting. */
  private readonly startAfter: number;
  private pending: CatalogEntry[] = [];
  private readonly queue: Batch[] = [];
  private queued = 0;
  private nextId = 0;
  private nextSent = 0;
  private worker?: Worker;
  private failed = false;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly inFlight = new Map<number, Batch>();
  private readonly results: ParsedEntries = new Map();
  /** How many entries the worker parsed. */
  fromWorker = 0;
  private settle?: () => void;

  private constructor(force: boolean) {
    this.batchSize = force ? 2 : 250;
    this.startAfter = force ? 0 : 500;
  }

  /** A parser when `CONTRACTS_CLI_WORKERS` asks for one (see {@link ParallelOptions}), else undefined. */
  static create({ env }: ParallelOptions): ParallelParser | undefined {
    const setting = env.CONTRACTS_CLI_WORKERS;
    if (setting === 'force') return new ParallelParser(true);
    const cores = os.availableParallelism();
    if (setting !== '1' || cores < 2) return undefined;
    return new ParallelParser(false);
  }

  /** Hands over an entry just read. */
  add(entry: CatalogEntry): void {
    if (!entry.sources.length) return;
    this.pending.push(entry);
    if (this.pending.length >= this.batchSize) {
      this.queue.push({ id: this.nextId++, entries: this.pending });
      this.queued += this.pending.length;
      this.pending = [];
      this.pump();
    }
  }

  /** Sends batches while the worker has fewer than two to do. */
  private pump(): void {
    if (this.failed) return;
    if (!this.worker) {
      if (this.queued < this.startAfter) return;
      this.start();
    }
    while (
      this.queue.length &&
      this.worker &&
      this.nextSent - Atomics.load(this.done, 0) < 2
    ) {
      const batch = this.queue.shift()!;
      this.inFlight.set(batch.id, batch);
      this.nextSent++;
      const request: Request = {
        id: batch.id,
        items: batch.entries.map(e => ({ ref: e.ref, sources: e.sources })),
      };
      this.worker.postMessage(request);
    }
  }

  private start(): void {
    try {
      const data = { role: ROLE, done: this.done.buffer };
      // the bundle serves the worker itself; the sources need tsx in the worker too
      this.worker = __filename.endsWith('.ts')
        ? new Worker(
            `require(${JSON.stringify(
              require.resolve('tsx/cjs'),
            )}); require(${JSON.stringify(
              path.join(path.dirname(__filename), 'index.ts'),
            )});`,
            { eval: true, workerData: data },
          )
        : new Worker(__filename, { workerData: data });
    } catch {
      this.failed = true;
      return;
    }
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const batch = this.inFlight.get(reply.id);
      if (!batch || reply.results?.length !== batch.entries.length) return;
      this.inFlight.delete(reply.id);
      this.fromWorker += batch.entries.length;
      batch.entries.forEach((entry, i) =>
        this.results.set(entry, reply.results[i]),
      );
      if (!this.inFlight.size) this.settle?.();
    });
    const fail = () => {
      this.failed = true;
      this.settle?.();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', fail);
  }

  /**
   * Parses what was not sent (sharing it with the worker), waits for the worker, and gives every
   * result. Whatever the worker
   * did not return (it failed) is parsed here.
   */
  async finish(): Promise<ParsedEntries> {
    if (this.pending.length) {
      this.queue.push({ id: this.nextId++, entries: this.pending });
      this.pending = [];
    }
    // both threads take what is left: the worker from the front whenever it has fewer than two
    // batches to do (it counts them in shared memory, readable while this thread is busy), this
    // thread from the back
    while (this.queue.length) {
      this.pump();
      const batch = this.queue.pop();
      if (batch) this.parseHere(batch);
    }
    if (this.inFlight.size && !this.failed) {
      this.worker?.ref(); // its replies must keep the process alive now
      await new Promise<void>(resolve => {
        this.settle = resolve;
      });
    }
    for (const batch of this.inFlight.values()) this.parseHere(batch);
    this.inFlight.clear();
    await this.close();
    return this.results;
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failed = true;
    if (worker) {
      worker.removeAllListeners();
      worker.on('error', () => {});
      await worker.terminate();
    }
  }

  private parseHere(batch: Batch): void {
    for (const entry of batch.entries)
      this.results.set(
        entry,
        parseEntityContract(entry.ref, entry.sources, ONE_SHOT),
      );
  }
}
