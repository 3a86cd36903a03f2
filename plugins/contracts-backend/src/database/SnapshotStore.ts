import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import {
  decodeBody,
  DEFAULT_SNAPSHOT_ENCODING,
  encodeBody,
  type SnapshotEncoding,
} from './snapshotEncoding';

const SNAPSHOTS = 'contracts_graph_snapshots';
const PIECES = 'contracts_graph_snapshot_pieces';
const HEAD = 'contracts_graph_snapshot_head';
const HEAD_ID = 1;
const LEASE = 'contracts_graph_compute_lease';

const migrationsDir = resolvePackagePath(
  '@backstage-contracts/plugin-contracts-backend',
  'migrations',
);

export {
  decodeBody,
  DEFAULT_SNAPSHOT_ENCODING,
  encodeBody,
  type SnapshotEncoding,
  zstdAvailable,
} from './snapshotEncoding';

/** What the store knows of a persisted snapshot, without its body. */
export interface PersistedSnapshotMeta {
  /** Increasing: a later snapshot has a higher version. */
  version: number;
  /** The layout of the serialized body. */
  format: number;
  /** When the snapshot was computed (ISO time). */
  computedAt: string;
  /**
   * When the computing replica last read the catalog successfully (ISO time): the snapshot shows
   * the catalog as of then. The head's is moved on by {@link SnapshotStore.touch}.
   */
  checkedAt: string;
  /** The replica that computed it, when it said. */
  computedBy?: string;
}

/** A persisted snapshot with its body, decompressed (unless asked as stored). */
export interface PersistedSnapshot extends PersistedSnapshotMeta {
  body: Buffer;
  /** Uncompressed and stored sizes, in bytes. */
  sizeBytes: number;
  storedBytes: number;
  encoding: string;
}

/** A snapshot saved: its meta, its sizes uncompressed and stored. */
export interface SavedSnapshotMeta extends PersistedSnapshotMeta {
  sizeBytes: number;
  storedBytes: number;
}

interface SnapshotRow {
  version: number | string;
  format: number;
  encoding: string;
  body: Buffer | Uint8Array;
  size_bytes: number | string;
  computed_at: string;
  checked_at: string;
  created_at: string;
  computed_by: string | null;
  /** Pieces in {@link PIECES}; null: the body is in `body` (a row written before them). */
  pieces?: number | string | null;
  stored_bytes?: number | string | null;
}

interface HeadRow {
  id: number;
  version: number | string;
  format: number;
  computed_at: string;
  checked_at: string;
  computed_by: string | null;
}

/**
 * The most bytes of a stored body written or read at once: the drivers copy a bound value into
 * their message, and decode a read one, in one task of the event loop (at 100k entities the
 * body is ~27 MB, and pg's bind of it in one piece took 0.8-1.7 s in bench:scale's profiles).
 */
const BODY_PIECE = 1 << 20;

/** The default of `keep`: the snapshots kept (per format), the latest included. */
export const DEFAULT_SNAPSHOTS_KEPT = 3;

/**
 * The persisted snapshots of the conflict graph in the plugin database (SQLite or PostgreSQL):
 * the computing replica saves one per publish, every replica polls the head (one small row) and
 * loads the latest when its version moved on.
 */
export class SnapshotStore {
  /** Connects to the plugin database and, unless `migrations.skip`, runs the migrations. */
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
    keep?: number;
  }): Promise<SnapshotStore> {
    const client = await options.database.getClient();
    if (!(options.skipMigrations ?? options.database.migrations?.skip)) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new SnapshotStore(client, options.keep);
  }

  constructor(
    private readonly db: Knex,
    /** The snapshots kept (per format), the latest included. */
    readonly keep = DEFAULT_SNAPSHOTS_KEPT,
  ) {
    if (!Number.isInteger(keep) || keep < 1) {
      throw new Error('The snapshots kept must be a whole number above 0');
    }
  }

  /**
   * Persists a snapshot (`body`: serialized, uncompressed) and makes it the head, then deletes
   * the snapshots of its format beyond the last `keep`. Returns its version.
   */
  async save(snapshot: {
    /**
     * A Buffer: the body whole; else the body as stored (compressed with `encoding`), as its bytes
     * are made (the analysis worker streams what it compresses: services/analysis/workerDatabase),
     * written as they come and never held whole here.
     */
    body: Buffer | AsyncIterable<Uint8Array>;
    format: number;
    computedAt: string;
    checkedAt: string;
    computedBy?: string;
    encoding?: SnapshotEncoding;
    /**
     * Given: `body` is compressed already, with `encoding` (the analysis worker compresses what
     * it exports), and this is its size uncompressed; it is stored as it is. Required with a
     * body of stored bytes.
     */
    sizeBytes?: number;
  }): Promise<SavedSnapshotMeta> {
    const encoding = snapshot.encoding ?? DEFAULT_SNAPSHOT_ENCODING;
    const { body } = snapshot;
    let stored: AsyncIterable<Uint8Array> | Uint8Array[];
    let sizeBytes: number;
    if (Buffer.isBuffer(body)) {
      stored = [
        snapshot.sizeBytes !== undefined
          ? body
          : await encodeBody(body, encoding),
      ];
      sizeBytes = snapshot.sizeBytes ?? body.length;
    } else if (snapshot.sizeBytes === undefined) {
      throw new Error('a snapshot saved as its stored bytes needs its size');
    } else {
      stored = body;
      sizeBytes = snapshot.sizeBytes;
    }
    let storedBytes = 0;
    const version = await this.db.transaction(async tx => {
      const [row] = await tx(SNAPSHOTS)
        .insert({
          format: snapshot.format,
          encoding,
          body: Buffer.alloc(0),
          // (how many pieces and bytes once they are in: below, in the same transaction)
          pieces: 0,
          stored_bytes: 0,
          size_bytes: sizeBytes,
          computed_at: snapshot.computedAt,
          checked_at: snapshot.checkedAt,
          created_at: new Date().toISOString(),
          computed_by: snapshot.computedBy ?? null,
        })
        .returning('version');
      const v = Number(typeof row === 'object' ? row.version : row);
      // a statement per piece (each bound in a task of its own), seen with the row or not at all
      let seq = 0;
      for await (const bytes of cut(stored, BODY_PIECE)) {
        await tx(PIECES).insert({ version: v, seq: seq++, bytes });
        storedBytes += bytes.length;
      }
      await tx(SNAPSHOTS)
        .where({ version: v })
        .update({ pieces: seq, stored_bytes: storedBytes });
      const head = {
        version: v,
        format: snapshot.format,
        computed_at: snapshot.computedAt,
        checked_at: snapshot.checkedAt,
        computed_by: snapshot.computedBy ?? null,
      };
      // never back: a slower writer's older version does not replace a newer head
      const moved = await tx(HEAD)
        .where({ id: HEAD_ID })
        .where('version', '<', v)
        .update(head);
      if (!moved) {
        await tx(HEAD)
          .insert({ id: HEAD_ID, ...head })
          .onConflict('id')
          .ignore();
      }
      return v;
    });
    await this.prune(snapshot.format);
    return {
      version,
      format: snapshot.format,
      computedAt: snapshot.computedAt,
      checkedAt: snapshot.checkedAt,
      computedBy: snapshot.computedBy,
      storedBytes,
      sizeBytes,
    };
  }

  /** The head: the latest version and when the catalog was last checked. One small row. */
  async head(): Promise<PersistedSnapshotMeta | undefined> {
    const row = await this.db<HeadRow>(HEAD).where({ id: HEAD_ID }).first();
    return row ? headMeta(row) : undefined;
  }

  /**
   * The computing replica read the catalog at `checkedAt` and found nothing to change since
   * `version`: the head says so, unless a newer version has replaced it. Returns whether it did.
   */
  async touch(version: number, checkedAt: string): Promise<boolean> {
    const n = await this.db(HEAD)
      .where({ id: HEAD_ID, version })
      .where('checked_at', '<', checkedAt)
      .update({ checked_at: checkedAt });
    return n > 0;
  }

  /**
   * The latest snapshot of `format`, with its body decompressed (the head's `checkedAt` when it
   * is the head's); undefined when there is none. With `decode: false` the body is as stored
   * (`encoding`): the analysis worker decompresses it, off the event loop (at 10k the
   * decompressed body's assembly alone held the loop 0.6 s; at 100k it is ≈ 400 MB).
   */
  async latest(
    format: number,
    options: { decode?: boolean } = {},
  ): Promise<PersistedSnapshot | undefined> {
    const latest = await this.latestPieces(format);
    if (!latest) return undefined;
    const { pieces, ...meta } = latest;
    // one buffer, each piece copied in as it comes: no task at the end copies the whole (at
    // 100k, 27 MB of memory touched for the first time in one task: ~130-260 ms of the event
    // loop on the VM this is measured on; scripts/bench-snapshot.ts)
    const stored = Buffer.allocUnsafeSlow(meta.storedBytes);
    let at = 0;
    for await (const piece of pieces) {
      stored.set(piece, at);
      at += piece.length;
    }
    const body =
      options.decode ?? true ? await decodeBody(stored, meta.encoding) : stored;
    return { ...meta, body };
  }

  /**
   * The latest snapshot of `format` as {@link latest} without decoding, its stored body as its
   * pieces of at most {@link BODY_PIECE} bytes, read from the database as they are iterated (the
   * next one asked for while one is handed on): a starting replica sends each to its analysis
   * worker as it comes, which decompresses it meanwhile. Each piece is its own memory. The
   * iteration throws when the snapshot is deleted meanwhile or is not as long as it says.
   */
  async latestPieces(format: number): Promise<
    | (Omit<PersistedSnapshot, 'body'> & {
        pieces: AsyncIterable<Buffer>;
      })
    | undefined
  > {
    const row = await this.db<SnapshotRow>(SNAPSHOTS)
      .select(
        'version',
        'format',
        'encoding',
        'size_bytes',
        'computed_at',
        'checked_at',
        'created_at',
        'computed_by',
        'pieces',
        this.db.raw('coalesce(stored_bytes, length(body)) as stored_bytes'),
      )
      .where({ format })
      .orderBy('version', 'desc')
      .first();
    if (!row) return undefined;
    const meta = headMeta(row);
    const head = await this.head();
    if (head?.version === meta.version && head.checkedAt > meta.checkedAt) {
      meta.checkedAt = head.checkedAt;
    }
    const storedBytes = Number(
      (row as { stored_bytes?: number | string }).stored_bytes,
    );
    const count =
      row.pieces === null || row.pieces === undefined
        ? Math.ceil(storedBytes / BODY_PIECE)
        : Number(row.pieces);
    return {
      ...meta,
      sizeBytes: Number(row.size_bytes),
      storedBytes,
      encoding: row.encoding,
      pieces: this.pieces(
        meta.version,
        storedBytes,
        count,
        row.pieces === null || row.pieces === undefined,
      ),
    };
  }

  /**
   * A stored body's pieces in order: rows of {@link PIECES}, or (`inRow`: a row written before
   * them, migration 20261211090000) pieces of {@link BODY_PIECE} bytes of its `body` — either way
   * a query per piece, whose row the driver decodes in a task of its own (PostgreSQL sends a
   * bytea as hex text).
   */
  private async *pieces(
    version: number,
    length: number,
    count: number,
    inRow: boolean,
  ): AsyncGenerator<Buffer> {
    // PostgreSQL sends a bytea as hex text, which pg decodes in the task that reads the row:
    // as base64 it is a third shorter and decoded faster (a 1 MB piece of the 100k snapshot,
    // the 24 pieces read one after the other: 118-217 ms in all and 6-7 ms per task, against
    // 181-247 ms and 10-18 ms as hex; probe under the bench lock, load 3.6-4.1). Without the
    // line breaks encode puts in, so that Buffer.from's buffer is exactly the piece's (one it
    // estimated longer would be copied to the worker, not handed over).
    const base64 = this.db.client.dialect === 'postgresql';
    const as = (expression: string) =>
      base64
        ? `translate(encode(${expression}, 'base64'), E'\\n', '') as bytes`
        : `${expression} as bytes`;
    const read = async (seq: number): Promise<Buffer> => {
      const row = inRow
        ? await this.db(SNAPSHOTS)
            .select(
              this.db.raw(as('substr(body, ?, ?)'), [
                seq * BODY_PIECE + 1,
                Math.min(BODY_PIECE, length - seq * BODY_PIECE),
              ]),
            )
            .where({ version })
            .first()
        : await this.db(PIECES)
            .select(this.db.raw(as('bytes')))
            .where({ version, seq })
            .first();
      if (!row) throw new Error(`snapshot ${version} was deleted meanwhile`);
      const bytes = row.bytes as Uint8Array | string;
      if (typeof bytes === 'string') return Buffer.from(bytes, 'base64');
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    };
    let at = 0;
    let next = count > 0 ? read(0) : undefined;
    for (let seq = 0; seq < count; seq++) {
      const piece = await next!;
      // the next one on its way while this one is handed on
      next = seq + 1 < count ? read(seq + 1) : undefined;
      next?.catch(() => {}); // awaited at the next step, unless the caller stops first
      if (at + piece.length > length) {
        throw new Error(`snapshot ${version} is longer than it says`);
      }
      at += piece.length;
      yield piece;
    }
    if (at !== length) {
      throw new Error(`snapshot ${version} is shorter than it says`);
    }
  }

  /**
   * Takes or renews the lease on computing the graph for `holder`, for `ttlMs` from `now`: it
   * succeeds when nobody holds it, `holder` already does, or the holder's lease ran out. Returns
   * whether `holder` holds it now. (Epoch milliseconds of the replicas' clocks: the lease's
   * length is meant to be well above their skew.)
   */
  async lead(
    holder: string,
    ttlMs: number,
    now = Date.now(),
  ): Promise<boolean> {
    const expires = now + ttlMs;
    const renewed = await this.db(LEASE)
      .where({ id: HEAD_ID })
      .andWhere(q => q.where({ holder }).orWhere('expires_at', '<', now))
      .update({
        holder,
        expires_at: expires,
        acquired_at: this.db.raw(
          'CASE WHEN holder = ? THEN acquired_at ELSE ? END',
          [holder, new Date(now).toISOString()],
        ),
      });
    if (renewed) return true;
    await this.db(LEASE)
      .insert({
        id: HEAD_ID,
        holder,
        expires_at: expires,
        acquired_at: new Date(now).toISOString(),
      })
      .onConflict('id')
      .ignore();
    const row = await this.db(LEASE).where({ id: HEAD_ID }).first();
    return row?.holder === holder && Number(row.expires_at) === expires;
  }

  /** Gives the lease up, when `holder` holds it (shutdown): another replica takes it at once. */
  async release(holder: string): Promise<void> {
    await this.db(LEASE)
      .where({ id: HEAD_ID, holder })
      .update({ expires_at: 0 });
  }

  /** The versions kept, oldest first (tests, diagnostics). */
  async versions(): Promise<number[]> {
    const rows = await this.db<SnapshotRow>(SNAPSHOTS)
      .select('version')
      .orderBy('version', 'asc');
    return rows.map(r => Number(r.version));
  }

  /** Deletes the snapshots of `format` older than the last `keep`. */
  private async prune(format: number): Promise<void> {
    const oldestKept = await this.db<SnapshotRow>(SNAPSHOTS)
      .select('version')
      .where({ format })
      .orderBy('version', 'desc')
      .offset(this.keep - 1)
      .first();
    if (!oldestKept) return;
    await this.db(SNAPSHOTS)
      .where({ format })
      .where('version', '<', Number(oldestKept.version))
      .delete();
    // the pieces of the snapshots deleted (now or by a replica that died meanwhile)
    await this.db(PIECES)
      .whereNotIn('version', this.db(SNAPSHOTS).select('version'))
      .delete();
  }
}

/**
 * `stored` in pieces of `size` bytes (the last one shorter), as Buffers: views of what comes in
 * where a piece lies in one of its chunks, a copy where it straddles two.
 */
async function* cut(
  stored: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of stored) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(size - heldBytes, bytes.length - at);
      const part = bytes.subarray(at, at + n);
      at += n;
      if (n === size) {
        yield part;
        continue;
      }
      held.push(part);
      heldBytes += n;
      if (heldBytes === size) {
        yield Buffer.concat(held, heldBytes);
        held = [];
        heldBytes = 0;
      }
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held, heldBytes);
}

function headMeta(
  row: Pick<
    HeadRow,
    'version' | 'format' | 'computed_at' | 'checked_at' | 'computed_by'
  >,
): PersistedSnapshotMeta {
  return {
    version: Number(row.version),
    format: Number(row.format),
    computedAt: row.computed_at,
    checkedAt: row.checked_at,
    ...(row.computed_by ? { computedBy: row.computed_by } : {}),
  };
}
