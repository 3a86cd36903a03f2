import { decompressor } from '../../database/snapshotEncoding';
import { type OpenedSnapshot, openPieces } from './persisted';

const EMPTY = new Uint8Array(0);

/**
 * Bytes that arrive in chunks (a persisted snapshot as it is decompressed), read by range once
 * they are in: a range within one chunk is a view of it, one across chunks a copy.
 */
export class ArrivingBytes {
  private readonly chunks: Uint8Array[] = [];
  /** Where each chunk starts. */
  private readonly starts: number[] = [];
  private length = 0;
  /** How many bytes there are to be, once known (see expect). */
  private expected?: number;
  /** No more bytes come (all are in, or they failed). */
  ended = false;
  private failure?: Error;
  private waiting: Array<{
    end: number;
    resolve(): void;
    reject(error: Error): void;
  }> = [];
  /** Settles once every byte is in (or the bytes failed): with the failure, if any. */
  readonly done: Promise<Error | undefined>;
  private resolveDone!: (failure: Error | undefined) => void;

  constructor() {
    this.done = new Promise(resolve => {
      this.resolveDone = resolve;
    });
  }

  /** How many bytes are in. */
  get size(): number {
    return this.length;
  }

  /** Whether every byte is in, and none failed. */
  get complete(): boolean {
    return this.ended && !this.failure;
  }

  push(chunk: Uint8Array): void {
    if (this.ended || !chunk.length) return;
    this.starts.push(this.length);
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.expected !== undefined && this.length > this.expected) {
      this.end(this.wrongLength());
    } else this.wake();
  }

  /**
   * There are to be `size` bytes: more fail them, as fewer do when they end, and the last one
   * is in only once they have ended well (a zstd or gzip stream checks its checksum at its end:
   * nothing of a damaged snapshot is read to its end).
   */
  expect(size: number): void {
    this.expected = size;
    if (!this.ended && this.length > size) this.end(this.wrongLength());
    else if (this.ended && !this.failure && this.length !== size) {
      // (they all came before the head was read)
      this.failure = this.wrongLength();
    }
    this.wake();
  }

  private wrongLength() {
    return new Error(
      `a persisted snapshot of the wrong length (${this.length} bytes${
        this.ended ? '' : ' and more'
      }, its head says ${this.expected})`,
    );
  }

  /** No more bytes come: all are in, or (`failure`) they cannot be read. */
  end(failure?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure =
      failure ??
      (this.expected !== undefined && this.length !== this.expected
        ? this.wrongLength()
        : undefined);
    this.wake();
    this.resolveDone(this.failure);
  }

  /** Whether the bytes up to `end` are in (the last one: and ended well). */
  private has(end: number): boolean {
    if (end > this.length) return false;
    return end !== this.expected || (this.ended && !this.failure);
  }

  /**
   * Undefined when the bytes up to `end` are in; else a promise that resolves once they are, or
   * rejects when the bytes failed or ended before.
   */
  until(end: number): Promise<void> | undefined {
    if (this.has(end)) return undefined;
    if (this.ended) return Promise.reject(this.shortOf(end));
    return new Promise((resolve, reject) =>
      this.waiting.push({ end, resolve, reject }),
    );
  }

  private shortOf(end: number): Error {
    return (
      this.failure ??
      new Error(
        `a persisted snapshot ends at byte ${this.length}, before ${end}`,
      )
    );
  }

  private wake() {
    const still: ArrivingBytes['waiting'] = [];
    for (const w of this.waiting) {
      if (this.has(w.end)) w.resolve();
      else if (this.ended) w.reject(this.shortOf(w.end));
      else still.push(w);
    }
    this.waiting = still;
  }

  /** The chunk that byte `at` is in (at < size). */
  private chunkAt(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The bytes from `from` to `to`, which are in (see {@link until}). */
  range(from: number, to: number): Uint8Array {
    if (to > this.length) throw this.shortOf(to);
    if (to <= from) return EMPTY;
    let c = this.chunkAt(from);
    const first = this.chunks[c];
    const offset = from - this.starts[c];
    if (offset + (to - from) <= first.length) {
      return first.subarray(offset, offset + (to - from));
    }
    const out = new Uint8Array(to - from);
    let at = 0;
    while (at < out.length) {
      const chunk = this.chunks[c];
      const start = at === 0 ? offset : 0;
      const n = Math.min(chunk.length - start, out.length - at);
      out.set(chunk.subarray(start, start + n), at);
      at += n;
      c++;
    }
    return out;
  }

  /** The position of the first `byte` at or after `from` among the bytes in; -1 if none. */
  indexOf(byte: number, from = 0): number {
    if (from >= this.length) return -1;
    for (let c = this.chunkAt(from); c < this.chunks.length; c++) {
      const start = this.starts[c];
      const i = this.chunks[c].indexOf(byte, Math.max(0, from - start));
      if (i >= 0) return start + i;
    }
    return -1;
  }

  /** Lets go of the chunks wholly before `at` (read, and not to be read again). */
  release(at: number): void {
    for (let c = 0; c < this.chunks.length; c++) {
      if (this.starts[c] + this.chunks[c].length > at) return;
      this.chunks[c] = EMPTY;
    }
  }
}

/**
 * A persisted snapshot as its stored bytes come to the worker (all at once, or piece by piece as
 * the main thread reads them from the database): decompressed as they come, into
 * {@link ArrivingBytes}.
 */
export class IncomingSnapshot {
  readonly bytes = new ArrivingBytes();
  private readonly stream?: ReturnType<typeof decompressor>;

  constructor(encoding: string) {
    this.stream = decompressor(encoding);
    const { stream, bytes } = this;
    if (stream) {
      stream.on('data', (chunk: Uint8Array) => bytes.push(chunk));
      stream.on('error', (error: Error) =>
        bytes.end(new Error(`a persisted snapshot: ${error.message}`)),
      );
      stream.on('end', () => bytes.end());
    }
  }

  /** More stored bytes; resolves once they are decompressed (the caller sends the next then). */
  write(chunk: Uint8Array): Promise<void> {
    const { stream } = this;
    if (!stream) {
      this.bytes.push(chunk);
      return Promise.resolve();
    }
    if (stream.destroyed) return Promise.resolve();
    // (a failure reaches the bytes through 'error', and may leave the write's callback uncalled)
    return new Promise(resolve => {
      stream.write(chunk, () => resolve());
      this.bytes.done.then(() => resolve());
    });
  }

  /** No more stored bytes (`failure`: they could not be read). */
  end(failure?: string): void {
    if (failure !== undefined) {
      this.bytes.end(new Error(failure));
      this.stream?.destroy();
    } else if (this.stream) this.stream.end();
    else this.bytes.end();
  }

  /**
   * The snapshot opened (persisted.ts openPieces) once its head is in; its bytes are then to be
   * as long as the head says.
   */
  async open(format: number): Promise<OpenedSnapshot> {
    const opened = openPieces(await this.firstLine(), format, this.bytes);
    this.bytes.expect(opened.size);
    return opened;
  }

  /** The first line (up to its newline, excluded), once it is in. */
  async firstLine(): Promise<Uint8Array> {
    let from = 0;
    for (;;) {
      const end = this.bytes.indexOf(0x0a, from);
      if (end >= 0) return this.bytes.range(0, end);
      from = this.bytes.size;
      await this.bytes.until(from + 1);
    }
  }
}
