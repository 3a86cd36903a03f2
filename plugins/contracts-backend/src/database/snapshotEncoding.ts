import { once } from 'node:events';
import { PassThrough, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** How a snapshot's body is compressed. */
export type SnapshotEncoding = 'gzip' | 'br' | 'zstd' | 'identity';

// zlib's callback forms run on libuv's thread pool, and the plugin calls them from its analysis
// worker (whose event loop takes the output's chunks): compressing a snapshot of a large catalog
// (tens of MB) never holds the event loop requests are served on.
const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const brotli = promisify(zlib.brotliCompress);
const unbrotli = promisify(zlib.brotliDecompress);
// (node:zlib has zstd since Node 22.15 and 23.8: undefined before)
const maybe = zlib as Partial<typeof zlib>;
const zstd = maybe.zstdCompress && promisify(maybe.zstdCompress);
const unzstd = maybe.zstdDecompress && promisify(maybe.zstdDecompress);
const NO_ZSTD = `zstd needs Node 22.15 or later (this is ${process.version})`;

/** Whether this Node compresses and decompresses zstd (node:zlib has it since 22.15). */
export const zstdAvailable = Boolean(zstd && unzstd);

/** The compression of a snapshot stored without saying one: zstd, or gzip on a Node without it. */
export const DEFAULT_SNAPSHOT_ENCODING: SnapshotEncoding = zstdAvailable
  ? 'zstd'
  : 'gzip';

/**
 * The output chunk when the size is not known (node:zlib's default is 16 kB: at 400 MB, 25,000
 * chunks, each a round trip through the thread pool and a callback on the event loop).
 */
const CHUNK = 4 << 20;

/**
 * Compresses `body`. On the persisted snapshot of a generated 100k catalog (409 MB, format 3;
 * `yarn bench:snapshot --entities 100000` and interleaved runs of the same calls, the shared
 * 2-core VM at load 2.5-3.5): zstd at level 1 stores 24.9 MB (16.4×) in 0.44-0.65 s — smaller
 * and faster than its level 3 (26.7 MB in 0.71-1.07 s), 2 (25.6 MB, 0.50-0.59 s) or 4 (27.1 MB,
 * 0.86-0.98 s) on this JSON — gzip at level 6 29.1 MB (14.1×) in 3.1-3.8 s. Read back into one
 * buffer each takes 1.4-1.6 s (gunzip 1.41-1.42 s, zstd 1 1.40-1.45 s, its checksum included),
 * most of it the first touch of the 409 MB they decompress into (this VM faults fresh memory in
 * at ≈ 4.7 ms per MB); gunzip in node:zlib's 16 kB chunks took 2.5-3.0 s. zstd is the default
 * where node:zlib has it: a seventh of the computing replica's time, for a smaller row.
 */
export async function encodeBody(
  body: Buffer,
  encoding: SnapshotEncoding,
): Promise<Buffer> {
  switch (encoding) {
    case 'gzip':
      return gzip(body, { level: 6, chunkSize: CHUNK });
    case 'br':
      return brotli(body, {
        chunkSize: CHUNK,
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 4,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      });
    case 'zstd':
      if (!zstd) throw new Error(NO_ZSTD);
      return zstd(body, {
        chunkSize: CHUNK,
        // the frame then says its size (the asynchronous form streams: without it, it does not),
        // and it is read back into one buffer of that size
        pledgedSrcSize: body.length,
        params: {
          [zlib.constants.ZSTD_c_compressionLevel]: 1,
          [zlib.constants.ZSTD_c_checksumFlag]: 1,
        },
      });
    default:
      return body;
  }
}

/** A body written in pieces, compressed as they come (see {@link bodyWriter}). */
export interface BodyWriter {
  /**
   * Writes the next bytes (held until compressed: not to be changed); a promise: wait for it
   * before the next write.
   */
  write(bytes: Uint8Array): Promise<void> | undefined;
  /** The body as stored, once every byte is written. */
  end(): Promise<Buffer>;
}

/**
 * The input the compressor holds before a write waits: written pieces are compressed on the
 * thread pool while the next are made.
 */
const PENDING = 4 << 20;

const wrongSize = (size: number) =>
  `a snapshot body written is not of its size (${size} bytes)`;

/** A body written in pieces, compressed as they come, its stored bytes read as they are made. */
export interface BodyStream {
  /**
   * Writes the next bytes (held until compressed: not to be changed); a promise: wait for it
   * before the next write (it fails once the stream is given up).
   */
  write(bytes: Uint8Array): Promise<void> | undefined;
  /** Every byte is written: the stored bytes end (they fail when not `size` were written). */
  end(): void;
  /** Gives the body up: the writes and the stored bytes fail with `error`. */
  fail(error: Error): void;
  /**
   * The stored bytes as they are made, to be read once, while the body is written (the writes
   * wait for them to be read).
   */
  stored: AsyncIterable<Buffer>;
}

/**
 * Compresses a body of `size` bytes as its pieces are written, as {@link encodeBody} compresses
 * it whole (the same encodings and settings; the zstd frame says its size), and hands on the
 * stored bytes as they come out (identity: the pieces as written): neither the body nor what it
 * is stored as is ever whole in memory. The analysis worker writes a snapshot so into the
 * database (services/analysis/workerDatabase.ts).
 */
export function bodyStream(
  encoding: SnapshotEncoding,
  size: number,
): BodyStream {
  const stream =
    encoding === 'gzip' || encoding === 'br' || encoding === 'zstd'
      ? compressor(encoding, size)
      : new PassThrough({ highWaterMark: PENDING });
  // (a failure is thrown by the write that waits and by the stored bytes' reading, whenever
  // that starts: not an uncaught error meanwhile)
  stream.on('error', () => {});
  let written = 0;
  const failure = () =>
    stream.errored ?? new Error('the snapshot body was given up');
  return {
    write(bytes) {
      if (stream.destroyed) return Promise.reject(failure());
      written += bytes.length;
      if (written > size) {
        const error = new Error(wrongSize(size));
        stream.destroy(error);
        throw error;
      }
      if (stream.write(bytes)) return undefined;
      // (the stream given up meanwhile closes, with or without an error: no drain then)
      const waiting = new AbortController();
      return Promise.race([
        once(stream, 'drain', { signal: waiting.signal }),
        once(stream, 'close', { signal: waiting.signal }).then(() => {
          throw failure();
        }),
      ])
        .then(() => undefined)
        .finally(() => waiting.abort());
    },
    end() {
      if (written !== size) stream.destroy(new Error(wrongSize(size)));
      else stream.end();
    },
    fail(error) {
      stream.destroy(error);
    },
    stored: stream,
  };
}

/**
 * Compresses a body of `size` bytes as its pieces are written, as {@link encodeBody} compresses
 * it whole (see {@link bodyStream}), into one buffer. Identity: the bytes gathered into one
 * buffer of `size`. Fails when the pieces do not add up to `size`.
 */
export function bodyWriter(
  encoding: SnapshotEncoding,
  size: number,
): BodyWriter {
  let written = 0;
  if (encoding !== 'gzip' && encoding !== 'br' && encoding !== 'zstd') {
    const body = Buffer.allocUnsafeSlow(size);
    return {
      write(bytes) {
        written += bytes.length;
        if (written > size) throw new Error(wrongSize(size));
        body.set(bytes, written - bytes.length);
        return undefined;
      },
      end: async () => {
        if (written !== size) throw new Error(wrongSize(size));
        return body;
      },
    };
  }
  const stream = bodyStream(encoding, size);
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream.stored) chunks.push(chunk);
    return Buffer.concat(chunks);
  })();
  done.catch(() => {}); // (a failure is thrown by the write that waits, or by end)
  return {
    write: bytes => stream.write(bytes),
    end() {
      stream.end();
      return done;
    },
  };
}

/** A stream that compresses a body of `size` bytes as encodeBody does. */
function compressor(encoding: 'gzip' | 'br' | 'zstd', size: number): Transform {
  const options = { chunkSize: CHUNK, writableHighWaterMark: PENDING };
  switch (encoding) {
    case 'gzip':
      return zlib.createGzip({ ...options, level: 6 });
    case 'br':
      return zlib.createBrotliCompress({
        ...options,
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 4,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
        },
      });
    default:
      if (!maybe.createZstdCompress) throw new Error(NO_ZSTD);
      return maybe.createZstdCompress({
        ...options,
        pledgedSrcSize: size,
        params: {
          [zlib.constants.ZSTD_c_compressionLevel]: 1,
          [zlib.constants.ZSTD_c_checksumFlag]: 1,
        },
      });
  }
}

/**
 * The output chunk for a body of `size` bytes, when known: one more byte, so that the whole
 * output fits in one chunk and zlib does not start another one after it.
 */
function chunkFor(size: number | undefined) {
  // (a size beyond any snapshot's: a damaged stream, read in chunks until zlib says so)
  return size !== undefined && size < 2 ** 30 ? Math.max(size + 1, 64) : CHUNK;
}

/**
 * The uncompressed size a gzip member states in its trailer (ISIZE, RFC 1952: modulo 2³²), when
 * `body` is one member (ours are; one more member would only make zlib add chunks).
 */
function gzipSize(body: Buffer): number | undefined {
  return body.length >= 18 ? body.readUInt32LE(body.length - 4) : undefined;
}

/** The content size a zstd frame header states (RFC 8878 3.1.1.1), when it states one. */
function zstdFrameSize(body: Buffer): number | undefined {
  if (body.length < 6 || body.readUInt32LE(0) !== 0xfd2fb528) return undefined;
  const descriptor = body[4];
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3];
  const at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  const fcsBytes = [singleSegment, 2, 4, 8][fcsFlag];
  if (!fcsBytes || body.length < at + fcsBytes) return undefined;
  switch (fcsBytes) {
    case 1:
      return body[at];
    case 2:
      return body.readUInt16LE(at) + 256;
    case 4:
      return body.readUInt32LE(at);
    default:
      return Number(body.readBigUInt64LE(at));
  }
}

/**
 * Decompresses a body stored with `encoding`, into one buffer when its size is in the stream
 * (zstd's frame header; gzip's trailer): no chunks to gather and copy again.
 */
export async function decodeBody(
  body: Buffer,
  encoding: string,
): Promise<Buffer> {
  switch (encoding) {
    case 'gzip':
      return gunzip(body, { chunkSize: chunkFor(gzipSize(body)) });
    case 'br':
      return unbrotli(body, { chunkSize: CHUNK });
    case 'zstd':
      if (!unzstd) throw new Error(NO_ZSTD);
      return unzstd(body, { chunkSize: chunkFor(zstdFrameSize(body)) });
    case 'identity':
      return body;
    default:
      throw new Error(`Unknown snapshot encoding ${JSON.stringify(encoding)}`);
  }
}

/**
 * A stream that decompresses a body stored with `encoding` as its pieces are written (undefined
 * for identity: the pieces are the body), so that a starting replica's worker decompresses the
 * first pieces while the main thread reads the next ones from the database, and the main thread
 * pulls the first transfer pieces while the rest is decompressed. Output chunks of 4 MB.
 */
export function decompressor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
      return zlib.createGunzip({ chunkSize: CHUNK });
    case 'br':
      return zlib.createBrotliDecompress({ chunkSize: CHUNK });
    case 'zstd':
      if (!maybe.createZstdDecompress) throw new Error(NO_ZSTD);
      return maybe.createZstdDecompress({ chunkSize: CHUNK });
    case 'identity':
      return undefined;
    default:
      throw new Error(`Unknown snapshot encoding ${JSON.stringify(encoding)}`);
  }
}
