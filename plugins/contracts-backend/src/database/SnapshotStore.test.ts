import { mockServices } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import { DatabaseDecisionsStore } from './DatabaseDecisionsStore';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';
import { gzipSync } from 'node:zlib';
import {
  decodeBody,
  DEFAULT_SNAPSHOT_ENCODING,
  encodeBody,
  SnapshotStore,
} from './SnapshotStore';
import { bodyWriter } from './snapshotEncoding';

jest.setTimeout(60_000);

const databases = sqliteAndPostgres();

const body = (n: number) =>
  Buffer.from(
    JSON.stringify({
      n,
      findings: Array.from({ length: 200 }, (_, i) => ({ id: `f${i}`, n })),
    }),
  );

describe('snapshot bodies', () => {
  it.each([
    ['zstd', 5],
    ['gzip', 5],
    ['br', 5],
    ['identity', 1],
  ] as const)(
    'round-trip through %s (stored at most 1/%d of the size)',
    async (encoding, ratio) => {
      const raw = body(1);
      const stored = await encodeBody(raw, encoding);
      expect(stored.length).toBeLessThanOrEqual(raw.length / ratio);
      expect((await decodeBody(stored, encoding)).equals(raw)).toBe(true);
    },
  );

  it('stores zstd by default (this Node has it), its frame stating its size', async () => {
    expect(DEFAULT_SNAPSHOT_ENCODING).toBe('zstd');
    // a body larger than a chunk: the frame header's content size field is there (RFC 8878:
    // the descriptor's two high bits), so that it is read back into one buffer
    const stored = await encodeBody(randomBytes(5 << 20), 'zstd');
    expect(stored.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(stored[4] >> 6).toBe(2);
    expect(stored.readUInt32LE(6)).toBe(5 << 20);
  });

  it.each(['zstd', 'gzip', 'br'] as const)(
    'reads %s back whole whatever its size, empty and larger than a chunk included',
    async encoding => {
      for (const raw of [
        Buffer.alloc(0),
        Buffer.from('x'),
        randomBytes(300),
        Buffer.concat([randomBytes(5 << 20), Buffer.alloc(3 << 20, 'a')]),
      ]) {
        const back = await decodeBody(
          await encodeBody(raw, encoding),
          encoding,
        );
        expect(back.equals(raw)).toBe(true);
      }
    },
  );

  it('reads gzip of another writer (several members, a size it does not state rightly)', async () => {
    const a = Buffer.from('{"a":'.repeat(1000));
    const b = Buffer.from('1}'.repeat(1000));
    // two members: the trailer's size is the second's only
    const twoMembers = Buffer.concat([gzipSync(a), gzipSync(b)]);
    expect(
      (await decodeBody(twoMembers, 'gzip')).equals(Buffer.concat([a, b])),
    ).toBe(true);
  });

  it.each(['zstd', 'gzip', 'br', 'identity'] as const)(
    'compresses a body written in pieces (%s) as its whole, and refuses one not of its size',
    async encoding => {
      const raw = Buffer.concat([randomBytes(5 << 20), body(2)]);
      const writer = bodyWriter(encoding, raw.length);
      for (let at = 0; at < raw.length; at += 100_000) {
        // (a copy: the writer holds what it is given until it has compressed it)
        await writer.write(Buffer.from(raw.subarray(at, at + 100_000)));
      }
      const stored = await writer.end();
      expect((await decodeBody(stored, encoding)).equals(raw)).toBe(true);
      // a zstd frame states its size, as encodeBody's does
      expect(encoding === 'zstd' ? stored.readUInt32LE(6) : raw.length).toBe(
        raw.length,
      );
      const short = bodyWriter(encoding, 10);
      await short.write(Buffer.from('123456789'));
      await expect(short.end()).rejects.toThrow(
        'a snapshot body written is not of its size (10 bytes)',
      );
      const long = bodyWriter(encoding, 10);
      await long.write(Buffer.from('123456789'));
      expect(() => long.write(Buffer.from('ab'))).toThrow(
        'a snapshot body written is not of its size (10 bytes)',
      );
    },
  );

  it('refuses an encoding it does not know, by name', async () => {
    await expect(decodeBody(Buffer.from('x'), 'lz4')).rejects.toThrow(
      'Unknown snapshot encoding "lz4"',
    );
  });
});

describe.each(databases.eachSupportedId())('SnapshotStore on %p', id => {
  async function createStore(keep?: number, knex?: Knex) {
    const client = knex ?? (await databases.init(id));
    const store = await SnapshotStore.create({
      database: mockServices.database({ knex: client }),
      keep,
    });
    return { knex: client, store };
  }
  const save = (store: SnapshotStore, n: number, format = 1) =>
    store.save({
      body: body(n),
      format,
      computedAt: `2026-12-07T10:00:0${n}.000Z`,
      checkedAt: `2026-12-07T10:00:0${n}.000Z`,
      computedBy: 'replica-a',
    });

  it('migrates up and down with the other tables', async () => {
    const knex = await databases.init(id);
    await DatabaseDecisionsStore.migrateUp(knex);
    expect(await knex.schema.hasTable('contracts_graph_snapshots')).toBe(true);
    expect(await knex.schema.hasTable('contracts_graph_snapshot_head')).toBe(
      true,
    );
    expect(await knex.schema.hasTable('contracts_graph_snapshot_pieces')).toBe(
      true,
    );
    await DatabaseDecisionsStore.migrateDownAll(knex);
    expect(await knex.schema.hasTable('contracts_graph_snapshots')).toBe(false);
    expect(await knex.schema.hasTable('contracts_graph_snapshot_pieces')).toBe(
      false,
    );
    expect(await knex.schema.hasTable('contracts_graph_compute_lease')).toBe(
      false,
    );
  });

  it('writes a body larger than one piece in pieces, and reads it back whole', async () => {
    const { knex, store } = await createStore();
    // 2.5 MB that does not compress: three pieces
    const raw = randomBytes(2.5 * (1 << 20));
    const saved = await store.save({
      body: raw,
      format: 1,
      computedAt: '2026-12-07T10:00:01.000Z',
      checkedAt: '2026-12-07T10:00:01.000Z',
      encoding: 'identity',
    });
    const pieces = await knex('contracts_graph_snapshot_pieces')
      .where({ version: saved.version })
      .orderBy('seq');
    expect(
      pieces.map(p => [Number(p.seq), Buffer.from(p.bytes).length]),
    ).toEqual([
      [0, 1 << 20],
      [1, 1 << 20],
      [2, 0.5 * (1 << 20)],
    ]);
    const latest = await store.latest(1);
    expect(latest).toMatchObject({
      version: saved.version,
      storedBytes: raw.length,
      sizeBytes: raw.length,
    });
    expect(latest!.body.equals(raw)).toBe(true);
    // an empty body has no piece, and reads back empty
    await store.save({
      body: Buffer.alloc(0),
      format: 1,
      computedAt: '2026-12-07T10:00:02.000Z',
      checkedAt: '2026-12-07T10:00:02.000Z',
      encoding: 'identity',
    });
    expect((await store.latest(1))!.body.length).toBe(0);
  });

  it('saves a body given as its stored bytes as they come, in pieces of 1 MB whatever their chunks', async () => {
    const { knex, store } = await createStore();
    const raw = randomBytes(2.5 * (1 << 20));
    const stored = await encodeBody(raw, 'gzip');
    // chunks of 300 kB and 1.5 MB: pieces cut across them
    async function* chunks() {
      for (let at = 0, k = 0; at < stored.length; k++) {
        const n = k % 2 ? 1.5 * (1 << 20) : 300_000;
        await new Promise(resolve => setImmediate(resolve));
        yield new Uint8Array(stored.subarray(at, at + n));
        at += n;
      }
    }
    const saved = await store.save({
      body: chunks(),
      sizeBytes: raw.length,
      format: 1,
      computedAt: '2026-12-07T10:00:01.000Z',
      checkedAt: '2026-12-07T10:00:01.000Z',
      encoding: 'gzip',
    });
    expect(saved).toMatchObject({
      storedBytes: stored.length,
      sizeBytes: raw.length,
    });
    const pieces = await knex('contracts_graph_snapshot_pieces')
      .where({ version: saved.version })
      .orderBy('seq');
    expect(pieces.map(p => Buffer.from(p.bytes).length)).toEqual([
      1 << 20,
      1 << 20,
      stored.length - 2 * (1 << 20),
    ]);
    const latest = await store.latest(1);
    expect(latest).toMatchObject({ storedBytes: stored.length });
    expect(latest!.body.equals(raw)).toBe(true);
    // stored bytes without the size they decompress to: refused
    await expect(
      store.save({
        body: chunks(),
        format: 1,
        computedAt: '2026-12-07T10:00:02.000Z',
        checkedAt: '2026-12-07T10:00:02.000Z',
      }),
    ).rejects.toThrow('a snapshot saved as its stored bytes needs its size');
  });

  it('saves nothing of a body whose stored bytes fail mid-way: the head and pieces stay', async () => {
    const { knex, store } = await createStore();
    const first = await save(store, 1);
    async function* failing() {
      yield randomBytes(1 << 20);
      yield randomBytes(1 << 20);
      throw new Error('the compressor failed');
    }
    await expect(
      store.save({
        body: failing(),
        sizeBytes: 5 << 20,
        format: 1,
        computedAt: '2026-12-07T10:00:09.000Z',
        checkedAt: '2026-12-07T10:00:09.000Z',
      }),
    ).rejects.toThrow('the compressor failed');
    expect(await store.versions()).toEqual([first.version]);
    expect((await store.head())!.version).toBe(first.version);
    const versions = await knex('contracts_graph_snapshot_pieces').distinct(
      'version',
    );
    expect(versions.map(v => Number(v.version))).toEqual([first.version]);
    expect((await store.latest(1))!.body.equals(body(1))).toBe(true);
  });

  it('reads a snapshot written before its pieces were (the body in its row), larger than a piece', async () => {
    const { knex, store } = await createStore();
    const raw = randomBytes(2.5 * (1 << 20));
    const stored = await encodeBody(raw, 'gzip');
    const [row] = await knex('contracts_graph_snapshots')
      .insert({
        format: 1,
        encoding: 'gzip',
        body: stored,
        size_bytes: raw.length,
        computed_at: '2026-12-07T10:00:01.000Z',
        checked_at: '2026-12-07T10:00:01.000Z',
        created_at: '2026-12-07T10:00:01.000Z',
      })
      .returning('version');
    const version = Number(typeof row === 'object' ? row.version : row);
    const latest = await store.latest(1);
    expect(latest).toMatchObject({
      version,
      encoding: 'gzip',
      storedBytes: stored.length,
      sizeBytes: raw.length,
    });
    expect(latest!.body.equals(raw)).toBe(true);
  });

  it('hands a stored body on piece by piece as it reads them, and says when a piece is gone meanwhile', async () => {
    const { knex, store } = await createStore();
    const raw = randomBytes(2.5 * (1 << 20));
    const saved = await store.save({
      body: raw,
      format: 1,
      computedAt: '2026-12-07T10:00:01.000Z',
      checkedAt: '2026-12-07T10:00:01.000Z',
      encoding: 'identity',
    });
    const latest = await store.latestPieces(1);
    expect(latest).toMatchObject({
      version: saved.version,
      encoding: 'identity',
      storedBytes: raw.length,
    });
    const pieces: Buffer[] = [];
    for await (const piece of latest!.pieces) pieces.push(piece);
    expect(pieces.map(p => p.length)).toEqual([
      1 << 20,
      1 << 20,
      0.5 * (1 << 20),
    ]);
    expect(Buffer.concat(pieces).equals(raw)).toBe(true);
    // each its own memory (handed over to the worker, not copied)
    for (const p of pieces) {
      expect([p.byteOffset, p.buffer.byteLength]).toEqual([0, p.length]);
    }
    // a snapshot pruned while a replica reads it
    const again = await store.latestPieces(1);
    const reading = again!.pieces[Symbol.asyncIterator]();
    await reading.next();
    await knex('contracts_graph_snapshot_pieces')
      .where({ version: saved.version })
      .delete();
    await expect(
      (async () => {
        for (;;) if ((await reading.next()).done) return;
      })(),
    ).rejects.toThrow(`snapshot ${saved.version} was deleted meanwhile`);
  });

  it('has no head and no snapshot before the first save', async () => {
    const { store } = await createStore();
    expect(await store.head()).toBeUndefined();
    expect(await store.latest(1)).toBeUndefined();
  });

  it('saves compressed, versions increase, the head follows, and the body comes back whole', async () => {
    const { knex, store } = await createStore();
    const first = await save(store, 1);
    const second = await save(store, 2);
    expect(second.version).toBeGreaterThan(first.version);
    expect(second.storedBytes).toBeLessThan(body(2).length / 5);
    expect(await store.head()).toEqual({
      version: second.version,
      format: 1,
      computedAt: '2026-12-07T10:00:02.000Z',
      checkedAt: '2026-12-07T10:00:02.000Z',
      computedBy: 'replica-a',
    });
    const latest = await store.latest(1);
    expect(latest).toMatchObject({
      version: second.version,
      encoding: 'zstd',
      sizeBytes: body(2).length,
    });
    expect(JSON.parse(latest!.body.toString('utf8')).n).toBe(2);
    // as stored, for the analysis worker to decompress
    const stored = await store.latest(1, { decode: false });
    expect(stored).toMatchObject({ version: second.version, encoding: 'zstd' });
    expect(stored!.body.length).toBe(second.storedBytes);
    expect((await decodeBody(stored!.body, 'zstd')).equals(body(2))).toBe(true);
    // what is in the table is compressed (one piece)
    const pieces = await knex('contracts_graph_snapshot_pieces').where({
      version: second.version,
    });
    expect(pieces.map(p => Buffer.from(p.bytes).length)).toEqual([
      second.storedBytes,
    ]);
  });

  it.each(['zstd', 'gzip', 'br'] as const)(
    'stores a body compressed already (by the analysis worker) as it is, and reads %s rows back',
    async encoding => {
      const { store } = await createStore();
      const raw = body(3);
      const compressed = await encodeBody(raw, encoding);
      const saved = await store.save({
        body: compressed,
        format: 1,
        computedAt: '2026-12-07T10:00:03.000Z',
        checkedAt: '2026-12-07T10:00:03.000Z',
        encoding,
        sizeBytes: raw.length,
      });
      expect(saved.storedBytes).toBe(compressed.length);
      const latest = await store.latest(1);
      expect(latest?.body.equals(raw)).toBe(true);
      expect(latest).toMatchObject({
        sizeBytes: raw.length,
        storedBytes: compressed.length,
        encoding,
      });
    },
  );

  it('keeps the last few snapshots of a format and deletes the older ones', async () => {
    const { knex, store } = await createStore(2);
    const saved = [];
    for (let n = 1; n <= 4; n++) saved.push(await save(store, n));
    const old = await save(store, 5, 0); // another format: a replica of an older release
    expect(await store.versions()).toEqual([
      saved[2].version,
      saved[3].version,
      old.version,
    ]);
    // each reads its own format
    expect(JSON.parse((await store.latest(1))!.body.toString()).n).toBe(4);
    expect(JSON.parse((await store.latest(0))!.body.toString()).n).toBe(5);
    // the pieces of the deleted ones are gone with them
    const pieces = await knex('contracts_graph_snapshot_pieces').distinct(
      'version',
    );
    expect(pieces.map(p => Number(p.version)).sort((a, b) => a - b)).toEqual(
      await store.versions(),
    );
  });

  it('moves the head’s check time on only for its own version, never back', async () => {
    const { store } = await createStore();
    const first = await save(store, 1);
    expect(await store.touch(first.version, '2026-12-07T10:00:05.000Z')).toBe(
      true,
    );
    expect(await store.touch(first.version, '2026-12-07T10:00:04.000Z')).toBe(
      false,
    );
    expect((await store.latest(1))!.checkedAt).toBe('2026-12-07T10:00:05.000Z');
    const second = await save(store, 2);
    // the replica that computed the first no longer holds the head
    expect(await store.touch(first.version, '2026-12-07T10:00:09.000Z')).toBe(
      false,
    );
    expect(await store.head()).toMatchObject({
      version: second.version,
      checkedAt: '2026-12-07T10:00:02.000Z',
    });
  });

  it('does not move the head back to an older version', async () => {
    const { knex, store } = await createStore();
    const first = await save(store, 1);
    const second = await save(store, 2);
    // a slow writer whose transaction committed late: its row is older than the head's
    await knex('contracts_graph_snapshot_head')
      .where({ id: 1 })
      .update({ version: second.version + 10 });
    await save(store, 3);
    expect((await store.head())!.version).toBe(second.version + 10);
    expect(first.version).toBeLessThan(second.version);
  });

  it('gives the compute lease to one replica, renews it for that one, and hands it over when it runs out or is released', async () => {
    const { store } = await createStore();
    const t0 = 1_800_000_000_000;
    expect(await store.lead('a', 10_000, t0)).toBe(true);
    expect(await store.lead('b', 10_000, t0 + 1)).toBe(false);
    expect(await store.lead('a', 10_000, t0 + 5_000)).toBe(true);
    // a's renewed lease runs until t0 + 15 s
    expect(await store.lead('b', 10_000, t0 + 14_000)).toBe(false);
    expect(await store.lead('b', 10_000, t0 + 15_001)).toBe(true);
    expect(await store.lead('a', 10_000, t0 + 15_002)).toBe(false);
    await store.release('a'); // not a's to release
    expect(await store.lead('a', 10_000, t0 + 15_003)).toBe(false);
    await store.release('b');
    expect(await store.lead('a', 10_000, t0 + 15_004)).toBe(true);
  });

  it('lets exactly one of many replicas racing for the lease have it', async () => {
    const { store } = await createStore();
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map(h => store.lead(h, 10_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
