/*
 * Reads catalog files ahead in a worker thread. The main thread walks the PATHs and reads each
 * file itself, as it always does, but first takes what the worker has read already: on a large
 * catalog the worker's folder listings and file reads (system calls that cost as much as parsing
 * the files) run on the other core while the main thread parses.
 *
 * The main thread never waits for the worker: it takes what has arrived (synchronously, with
 * `receiveMessageOnPort`) and reads the rest itself. The worker walks in the same order and
 * skips the files the main thread has reached already (it counts them in shared memory). Results
 * never depend on the worker: a file it did not read, could not read, or read after the main
 * thread, is read and reported by the main thread as without it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  MessageChannel,
  type MessagePort,
  Worker,
  isMainThread,
  receiveMessageOnPort,
  workerData,
} from 'node:worker_threads';
import {
  type CatalogDocument,
  catalogFiles,
  type ListedEntry,
  mayHoldEntities,
  readDocumentsFast,
  readListing,
} from './files';

/** `workerData.role` of the read worker. */
const ROLE = 'contracts-read-worker';
/** Items per message: few enough that the main thread soon sees what the worker read. */
const BATCH = 32;

type Item =
  | { file: string; text: string; documents?: CatalogDocument[] }
  | { dir: string; entries: ListedEntry[] };

interface ReadWorkerData {
  role: typeof ROLE;
  paths: string[];
  cwd: string;
  port: MessagePort;
  /** Int32 [0]: how many files the main thread has reached. */
  position: SharedArrayBuffer;
}

/** True in the read worker: the CLI's entry point serves it instead of running the CLI. */
export function isReadWorker(): boolean {
  return !isMainThread && (workerData as { role?: string })?.role === ROLE;
}

/** The worker's side: walks the PATHs as the main thread does, and sends listings and texts. */
export function serveReadWorker(): void {
  const { paths, cwd, port, position } = workerData as ReadWorkerData;
  const reached = new Int32Array(position);
  let batch: Item[] = [];
  const flush = () => {
    if (batch.length) {
      port.postMessage(batch);
      batch = [];
    }
  };
  try {
    let index = 0;
    const listing = (dir: string) => {
      const entries = readListing(dir);
      batch.push({ dir, entries });
      return entries;
    };
    for (const file of catalogFiles(paths, cwd, listing)) {
      if (index++ >= Atomics.load(reached, 0)) {
        let text: string | undefined;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch {
          // the main thread reads it, and reports why it cannot
        }
        if (text !== undefined) {
          // catalog files are parsed here too (on the fast path; what it rejects, the main
          // thread parses and reports)
          const documents = mayHoldEntities(text)
            ? readDocumentsFast(text)
            : undefined;
          batch.push(documents ? { file, text, documents } : { file, text });
        }
      }
      if (batch.length >= BATCH) flush();
    }
  } catch {
    // an unreadable PATH or folder: the main thread's walk reports it
  }
  flush();
  port.postMessage('end');
  port.close();
}

/**
 * Whether to read ahead: `CONTRACTS_CLI_READER=0` never, `force` always (tests); by default
 * when there are two cores and the CLI runs from its bundle or build (from the TypeScript
 * sources a worker would first compile them all, which costs more than it saves).
 */
export interface PrefetchOptions {
  paths: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Listings and texts read ahead by a worker thread; see the top of this file. */
export class FilePrefetcher {
  private readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, CatalogDocument[]>();
  /** Files whose text this thread took from the worker. */
  private readonly textsTaken = new Set<string>();
  private readonly listings = new Map<string, ListedEntry[]>();
  private readonly reachedCount: Int32Array;
  private ended = false;
  /** Files and folders the worker delivered and the main thread took. */
  taken = 0;
  /** Catalog files whose documents the worker parsed and the main thread took. */
  documentsTaken = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    position: SharedArrayBuffer,
  ) {
    this.reachedCount = new Int32Array(position);
  }

  /** A prefetcher reading ahead, when the options ask for one; else undefined. */
  static start({
    paths,
    cwd,
    env,
  }: PrefetchOptions): FilePrefetcher | undefined {
    const setting = env.CONTRACTS_CLI_READER;
    const fromSources = __filename.endsWith('.ts');
    if (
      setting === '0' ||
      (setting !== 'force' &&
        (fromSources || os.availableParallelism() < 2 || !paths.length))
    ) {
      return undefined;
    }
    const { port1, port2 } = new MessageChannel();
    const position = new SharedArrayBuffer(4);
    const data: ReadWorkerData = {
      role: ROLE,
      paths,
      cwd,
      port: port2,
      position,
    };
    let worker: Worker;
    try {
      // the bundle serves the worker itself; the sources need tsx in the worker too
      worker = fromSources
        ? new Worker(
            `require(${JSON.stringify(
              require.resolve('tsx/cjs'),
            )}); require(${JSON.stringify(
              path.join(path.dirname(__filename), '..', 'index.ts'),
            )});`,
            { eval: true, workerData: data, transferList: [port2] },
          )
        : new Worker(__filename, { workerData: data, transferList: [port2] });
    } catch {
      port1.close();
      return undefined;
    }
    worker.unref();
    // a worker that fails only reads nothing: the main thread reads everything itself
    worker.on('error', () => {});
    return new FilePrefetcher(worker, port1, position);
  }

  /** Takes in what the worker sent since the last call. */
  private receive(): void {
    if (this.ended) return;
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (!received) return;
      const batch = received.message as Item[] | 'end';
      if (batch === 'end') {
        this.ended = true;
        return;
      }
      for (const item of batch) {
        if ('text' in item) {
          this.texts.set(item.file, item.text);
          if (item.documents) this.parsed.set(item.file, item.documents);
        } else {
          this.listings.set(item.dir, item.entries);
        }
      }
    }
  }

  /** The text of a file, when the worker read it already. */
  text(file: string): string | undefined {
    this.receive();
    const text = this.texts.get(file);
    if (text !== undefined) {
      this.texts.delete(file);
      this.taken++;
      this.textsTaken.add(file);
    }
    return text;
  }

  /**
   * The documents of a catalog file, when the worker parsed the text this thread took from it
   * (a file this thread read itself is parsed here).
   */
  documents(file: string): CatalogDocument[] | undefined {
    if (!this.textsTaken.has(file)) return undefined;
    const documents = this.parsed.get(file);
    if (documents) {
      this.parsed.delete(file);
      this.documentsTaken++;
    }
    return documents;
  }

  /** The listing of a folder, when the worker read it already. */
  listing(dir: string): ListedEntry[] | undefined {
    this.receive();
    const entries = this.listings.get(dir);
    if (entries) {
      this.listings.delete(dir);
      this.taken++;
    }
    return entries;
  }

  /** Resolves when the worker has stopped (it read everything, failed, or was closed): for tests. */
  finished(): Promise<void> {
    return new Promise(resolve => {
      if (this.worker.threadId < 0) resolve();
      else this.worker.once('exit', () => resolve());
    });
  }

  /** The main thread's walk reached its next file: the worker need not read it any more. */
  reached(): void {
    Atomics.add(this.reachedCount, 0, 1);
  }

  /** Stops the worker and forgets what was not taken. */
  close(): void {
    this.ended = true;
    this.texts.clear();
    this.parsed.clear();
    this.listings.clear();
    this.port.close();
    this.worker.terminate().catch(() => {});
  }
}
