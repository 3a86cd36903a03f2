/*
 * The persisted snapshot at scale, and a restart's path to its first findings, part by part.
 *
 *   yarn bench:snapshot [--entities 10000] [--cache FILE] [--codecs gzip,br,zstd1,zstd3]
 *                       [--runs 1] [--postgres postgresql://postgres@127.0.0.1:5432] [--no-sqlite]
 *   yarn bench:snapshot --export [--entities 10000] [--runs 3] [--profile FILE]
 *
 * With --export, only the computing replica's export after a publish: an AnalysisCore (the
 * worker's code, run on the bench's own thread) computes the generated catalog, then
 * `exportSnapshot('zstd')` (as SnapshotSync persists) runs --runs times: its time, the thread's
 * CPU time (the worker's core) and the process's (the thread pool's zstd and the GC's helper
 * threads included), and the sha1 of the uncompressed bytes without its times (the same
 * before and after a change that keeps the format). With --profile FILE, a CPU profile of the last export only
 * (`yarn bench:summary FILE`).
 *
 * The snapshot is the one the plugin persists (format 3, services/analysis/persisted.ts): a
 * generated catalog of N components with inline contracts (src/__testUtils__/generatedCatalog.ts)
 * loaded by ContractsGraphService from a paged catalog, then exported by its worker uncompressed.
 * With --cache FILE it is read from FILE when it exists and written there otherwise (computing
 * 100k takes minutes). Then:
 *
 * 1. each compression (node:zlib's asynchronous forms, on libuv's thread pool as the worker runs
 *    them): stored size, compress and decompress time (best of --runs);
 * 2. what the worker makes of the decompressed bytes (decodeSnapshot: every piece as strings;
 *    entitiesOf: its entities), timed here on the bench's own thread — the same code; since
 *    6dacdcf the worker does it piece by piece as the main thread pulls, not before announcing;
 * 3. per database (SQLite in memory unless --no-sqlite; PostgreSQL with --postgres), per stored
 *    compression: SnapshotStore.save of the compressed body (as the computing replica saves it)
 *    and SnapshotStore.latest({decode:false}) (as a starting replica reads it), each with the
 *    longest the event loop waited meanwhile (monitorEventLoopDelay, 10 ms resolution);
 * 4. the restart as the service does it: the snapshot's row read, then
 *    ContractsGraphService.adoptSnapshot of its pieces as they are read (SnapshotSync's way) — the
 *    worker's wait for the head and the main thread's receiving of the pieces as its log says,
 *    the whole until the findings are served (the worker's start included), and the event
 *    loop's longest wait;
 * 5. the restart as SnapshotSync does it: the stored pieces sent to a real analysis worker
 *    (AnalysisHost, started and warm beforehand) as they are read (SnapshotStore.latestPieces,
 *    analysis/adopt.ts), decompressed there as they come, the transfer announced once its head is
 *    in and pulled as the rest comes (receiveTransfer): times from the start of the read to the
 *    announce and to the last piece received on the main thread, and the event loop's longest
 *    wait (= its longest task, at 1 ms resolution) — beside the same with the body read whole
 *    first ("whole": the read and the rest one after the other).
 *
 * Every figure comes with the load average (a shared 2-core machine: compare runs of one session).
 */
/* eslint-disable no-console */
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { knex as createKnex, type Knex } from 'knex';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import { serviceAuth, silentLogger } from './benchStubs';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import { pagedCatalog } from '../src/__testUtils__/pagedCatalog';
import {
  decodeBody,
  encodeBody,
  type SnapshotEncoding,
  SnapshotStore,
} from '../src/database/SnapshotStore';
import {
  ContractsGraphService,
  type GraphSnapshot,
} from '../src/services/ContractsGraphService';
import { adoptStored } from '../src/services/analysis/adopt';
import { AnalysisCore } from '../src/services/analysis/AnalysisCore';
import { createAnalysisHost } from '../src/services/analysis/AnalysisHost';
import { receiveTransfer } from '../src/services/analysis/receive';
import { entitiesOf } from '../src/services/analysis/lazyEntity';
import { decodeSnapshot } from '../src/services/analysis/persisted';
import { PERSISTED_SNAPSHOT_FORMAT } from '../src/services/analysis/protocol';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const N = Number(arg('entities') ?? 10000);
const CACHE = arg('cache');
const RUNS = Number(arg('runs') ?? 1);
const POSTGRES = arg('postgres');
const SQLITE = !process.argv.includes('--no-sqlite');
const EXPORT = process.argv.includes('--export');
const PROFILE = arg('profile');

/** A compression compared: its name, how it compresses, and the encoding it is stored as. */
interface Codec {
  name: string;
  encoding: string;
  encode: (b: Buffer) => Promise<Buffer>;
}

const zstdAt = (level: number) => (b: Buffer) =>
  promisify(zlib.zstdCompress)(b, {
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      [zlib.constants.ZSTD_c_contentSizeFlag]: 1,
    },
  });

const CODECS: Record<string, Codec> = {
  gzip1: {
    name: 'gzip 1',
    encoding: 'gzip',
    encode: b => promisify(zlib.gzip)(b, { level: 1 }),
  },
  gzip: {
    name: 'gzip 6',
    encoding: 'gzip',
    encode: b => encodeBody(b, 'gzip'),
  },
  br: { name: 'brotli 4', encoding: 'br', encode: b => encodeBody(b, 'br') },
  zstd: {
    name: 'zstd (store)',
    encoding: 'zstd',
    encode: b => encodeBody(b, 'zstd' as SnapshotEncoding),
  },
  zstd1: { name: 'zstd 1', encoding: 'zstd', encode: zstdAt(1) },
  zstd3: { name: 'zstd 3', encoding: 'zstd', encode: zstdAt(3) },
  zstd6: { name: 'zstd 6', encoding: 'zstd', encode: zstdAt(6) },
};
const codecs = (arg('codecs') ?? 'gzip,br,zstd1,zstd3').split(',').map(c => {
  if (!CODECS[c]) throw new Error(`unknown codec ${c}`);
  return CODECS[c];
});

const load = () => `load ${loadavg()[0].toFixed(1)}`;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const ms = (n: number) => `${Math.round(n)} ms`;

async function best<T>(runs: number, fn: () => Promise<T>) {
  let time = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await fn();
    time = Math.min(time, performance.now() - t);
  }
  return { ms: time, value };
}

/** `fn`'s time, and the longest the event loop waited while it ran (ms). */
async function watched<T>(fn: () => Promise<T>, resolution = 10) {
  const h = monitorEventLoopDelay({ resolution });
  h.enable();
  const t = performance.now();
  const value = await fn();
  const time = performance.now() - t;
  h.disable();
  return { ms: time, maxDelay: h.max / 1e6, value };
}

/** The persisted snapshot of N generated entities, uncompressed (computed, or from --cache). */
async function snapshotBytes(): Promise<Buffer> {
  if (CACHE && existsSync(CACHE)) {
    const bytes = readFileSync(CACHE);
    console.log(`snapshot read from ${CACHE}: ${mb(bytes.length)}`);
    return bytes;
  }
  const entities = generatedEntities(N);
  const service = new ContractsGraphService({
    catalog: pagedCatalog(entities),
    auth: serviceAuth,
    logger: silentLogger,
    engineConfig: {},
    rules: defaultRules,
  });
  const t = performance.now();
  await service.refreshAll();
  const computeMs = performance.now() - t;
  const exported = (await service.exportSnapshot('identity'))!;
  await service.close();
  const bytes = Buffer.from(exported.bytes);
  console.log(
    `snapshot of ${N} entities computed in ${ms(computeMs)}: ${mb(
      bytes.length,
    )} (${load()})`,
  );
  if (CACHE) writeFileSync(CACHE, bytes);
  return bytes;
}

/** What the worker does with the decompressed bytes before the first piece can be pulled. */
function workerParse(raw: Buffer) {
  const t = performance.now();
  const doc = decodeSnapshot(raw, PERSISTED_SNAPSHOT_FORMAT);
  const decodeMs = performance.now() - t;
  let entities = 0;
  for (const part of doc.parts) entities += entitiesOf(part).length;
  const entitiesMs = performance.now() - t - decodeMs;
  console.log(
    `every piece decoded: decodeSnapshot ${ms(decodeMs)} (${
      doc.parts.length
    } pieces as strings), entitiesOf ${ms(
      entitiesMs,
    )} (${entities} entities) (${load()})`,
  );
}

/** A logger that keeps the fields of the graph service's adoption line. */
function adoptionLogger() {
  const seen: Record<string, unknown> = {};
  const logger: LoggerService = {
    ...silentLogger,
    info(message, meta) {
      if (message.includes('persisted snapshot adopted')) {
        Object.assign(seen, meta);
      }
    },
    child: () => logger,
  };
  return { logger, seen };
}

/** The restart: the latest read from the store, adopted by a new graph service (its worker). */
async function restart(name: string, store: SnapshotStore, codec: string) {
  const { logger, seen } = adoptionLogger();
  const graph = new ContractsGraphService({
    catalog: pagedCatalog([]), // not read: the replica only serves
    auth: serviceAuth,
    logger,
    engineConfig: {},
    rules: defaultRules,
  });
  graph.setComputing(false);
  // as SnapshotSync reads it: its pieces handed on as they come
  const read = await watched(() =>
    store.latestPieces(PERSISTED_SNAPSHOT_FORMAT),
  );
  const latest = read.value!;
  const adopt = await watched(() =>
    graph.adoptSnapshot(latest.pieces, {
      version: latest.version,
      encoding: latest.encoding,
      computedAt: latest.computedAt,
      lastSuccessAt: latest.checkedAt,
    }),
  );
  const findings = graph.snapshot().items.findings.length;
  console.log(
    `${name} ${codec} restart: row ${ms(read.ms)} (max delay ${ms(
      read.maxDelay,
    )}) + read and adopt ${ms(adopt.ms)} (worker ${
      seen.workerMs
    } ms, of it waiting for the head ${
      seen.decompressMs
    } ms; main thread receive ${
      seen.receiveMs
    } ms (the pieces read meanwhile); the rest, worker start and messages ${ms(
      adopt.ms - Number(seen.workerMs) - Number(seen.receiveMs),
    )}; max delay ${ms(adopt.maxDelay)}) = first findings after ${ms(
      read.ms + adopt.ms,
    )}: ${findings} findings (${load()})`,
  );
  await graph.close();
}

/**
 * A restart's read and adoption straight into a warm analysis worker: the stored pieces streamed
 * to it as read (`streamed`), or read whole first.
 */
async function streamedRestart(
  name: string,
  store: SnapshotStore,
  codec: string,
  streamed: boolean,
) {
  const host = createAnalysisHost({
    engineConfig: {},
    rules: defaultRules,
    logger: silentLogger,
  });
  const warm = performance.now();
  await host.call('release', 0);
  const startMs = performance.now() - warm;
  const times: Record<string, number> = {};
  // how busy each thread was meanwhile: the main thread's and the worker's event loops
  const worker = (host as unknown as { current?: Worker }).current!;
  const mainBefore = performance.eventLoopUtilization();
  const workerBefore = worker.performance.eventLoopUtilization();
  const run = await watched(async () => {
    const t = performance.now();
    let stored: Uint8Array | AsyncIterable<Uint8Array>;
    let encoding: string;
    if (streamed) {
      const latest = (await store.latestPieces(PERSISTED_SNAPSHOT_FORMAT))!;
      encoding = latest.encoding;
      const pieces = latest.pieces;
      stored = (async function* timed() {
        for await (const piece of pieces) yield piece;
        times.read = performance.now() - t;
      })();
    } else {
      const latest = (await store.latest(PERSISTED_SNAPSHOT_FORMAT, {
        decode: false,
      }))!;
      times.read = performance.now() - t;
      encoding = latest.encoding;
      stored = new Uint8Array(latest.body);
    }
    const header = await adoptStored(host, stored, encoding);
    times.announced = performance.now() - t;
    const received = await receiveTransfer(
      host,
      header,
      {} as GraphSnapshot, // (a full transfer reads nothing of the one before)
    );
    times.received = performance.now() - t;
    return received.items.findings.length;
  }, 1);
  const busy = (elu: { active: number }) => ms(elu.active);
  const mainBusy = busy(performance.eventLoopUtilization(mainBefore));
  const workerBusy = busy(
    worker.performance.eventLoopUtilization(workerBefore),
  );
  console.log(
    `${name} ${codec} restart into a warm worker (started in ${ms(startMs)}), ${
      streamed ? 'streamed' : 'whole   '
    }: read ${ms(times.read)}, announced after ${ms(
      times.announced,
    )}, all pieces received after ${ms(times.received)} (max delay ${ms(
      run.maxDelay,
    )}; busy: main thread ${mainBusy}, worker ${workerBusy}): ${
      run.value
    } findings (${load()})`,
  );
  await host.close();
}

async function storeRoundTrip(
  name: string,
  db: Knex,
  raw: Buffer,
  stored: Array<[Codec, Buffer]>,
) {
  await db.migrate.latest({ directory: `${__dirname}/../migrations` });
  const store = new SnapshotStore(db);
  for (const [codec, body] of stored) {
    const now = new Date().toISOString();
    const save = await watched(() =>
      store.save({
        body,
        format: PERSISTED_SNAPSHOT_FORMAT,
        computedAt: now,
        checkedAt: now,
        encoding: codec.encoding as SnapshotEncoding,
        sizeBytes: raw.length,
      }),
    );
    console.log(
      `${name} ${codec.name}: save ${ms(save.ms)} (max delay ${ms(
        save.maxDelay,
      )}) (${load()})`,
    );
    await restart(name, store, codec.name);
    for (let i = 0; i < RUNS; i++) {
      await streamedRestart(name, store, codec.name, false);
      await streamedRestart(name, store, codec.name, true);
    }
  }
  await db.destroy();
}

/**
 * The computing replica's export after a publish (see the header): the worker's code on this
 * thread, so that its busy time and a profile of it are the export's alone.
 */
async function exportPhase() {
  const core = new AnalysisCore({ engineConfig: {}, rules: defaultRules });
  const t = performance.now();
  // (the catalog let go before the export: the worker does not hold it)
  const header = (() => {
    const entities = generatedEntities(N);
    core.beginFull();
    for (let i = 0; i < entities.length; i += 500) {
      core.loadPage(entities.slice(i, i + 500));
    }
    return core.commitFull(new Date().toISOString())!;
  })();
  for (let i = 0; i < header.parts; i++) await core.pull(header.id, i);
  core.release(header.id);
  console.log(
    `${N} entities computed and transferred in ${ms(
      performance.now() - t,
    )} (${load()})`,
  );
  const plain = Buffer.from((await core.exportSnapshot('identity'))!.bytes);
  // (without its times: the same state makes the same digest)
  const line = plain.indexOf(0x0a);
  const {
    computedAt: _c,
    lastSuccessAt: _l,
    ...head
  } = JSON.parse(plain.subarray(0, line).toString());
  const sha1 = createHash('sha1')
    .update(JSON.stringify(head))
    .update(plain.subarray(line))
    .digest('hex');
  console.log(
    `uncompressed ${mb(
      plain.length,
    )}, sha1 without its times ${sha1}; heap ${mb(
      process.memoryUsage().heapUsed,
    )}`,
  );
  const runs = Math.max(RUNS, 1);
  for (let i = 0; i < runs; i++) {
    const profile = PROFILE && i === runs - 1 ? new Session() : undefined;
    if (profile) {
      profile.connect();
      await profile.post('Profiler.enable');
      await profile.post('Profiler.start');
    }
    const thread = process.threadCpuUsage();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const exported = (await core.exportSnapshot('zstd'))!;
    const wall = performance.now() - started;
    const threadUsed = process.threadCpuUsage(thread);
    const used = process.cpuUsage(cpu);
    if (profile) {
      const { profile: written } = await profile.post('Profiler.stop');
      writeFileSync(PROFILE!, JSON.stringify(written));
      profile.disconnect();
    }
    console.log(
      `export ${i + 1}/${runs} (zstd): ${ms(wall)}, thread CPU ${ms(
        (threadUsed.user + threadUsed.system) / 1000,
      )}, process CPU ${ms((used.user + used.system) / 1000)}: ${mb(
        exported.sizeBytes,
      )} -> ${mb(exported.bytes.length)} (${load()})`,
    );
  }
}

async function main() {
  if (EXPORT) {
    await exportPhase();
    return;
  }
  const raw = await snapshotBytes();
  console.log(
    `compression     stored     ratio   compress  decompress  (${load()})`,
  );
  const stored: Array<[Codec, Buffer]> = [];
  for (const codec of codecs) {
    const c = await best(RUNS, () => codec.encode(raw));
    const d = await best(RUNS, () => decodeBody(c.value, codec.encoding));
    if (!d.value.equals(raw)) throw new Error(`${codec.name}: not the same`);
    stored.push([codec, c.value]);
    console.log(
      `${codec.name.padEnd(14)} ${mb(c.value.length).padStart(8)}  ${(
        raw.length / c.value.length
      )
        .toFixed(1)
        .padStart(5)}×  ${ms(c.ms).padStart(9)}  ${ms(d.ms).padStart(10)}`,
    );
  }
  workerParse(raw);
  if (SQLITE) {
    await storeRoundTrip(
      'SQLite',
      createKnex({
        client: 'better-sqlite3',
        connection: ':memory:',
        useNullAsDefault: true,
      }),
      raw,
      stored,
    );
  }
  if (POSTGRES) {
    const database = `bench_snapshot_${process.pid}`;
    const admin = createKnex({ client: 'pg', connection: POSTGRES });
    await admin.raw(`create database ${database}`);
    try {
      await storeRoundTrip(
        'PostgreSQL',
        createKnex({
          client: 'pg',
          connection: `${POSTGRES.replace(/\/$/, '')}/${database}`,
        }),
        raw,
        stored,
      );
    } finally {
      await admin.raw(`drop database ${database}`);
      await admin.destroy();
    }
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
