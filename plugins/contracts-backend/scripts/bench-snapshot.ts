/*
 * The persisted snapshot at scale: how large the snapshot of a generated catalog is, and how
 * long compressing, storing and reading it back take, per compression.
 *
 *   yarn bench:snapshot [--entities 10000] [--postgres postgresql://postgres@127.0.0.1:5432]
 *
 * The snapshot is the document the graph service exports (entities with their parsed contracts
 * and problems, the graph, the findings) for a layered catalog of N components with inline
 * contracts (src/__testUtils__/generatedCatalog.ts), analysed by the default rules. Each
 * compression is timed on node:zlib's asynchronous forms (libuv's thread pool, as SnapshotStore
 * runs them), three runs, the best kept; then a save and a load through SnapshotStore on SQLite
 * in memory (and PostgreSQL with --postgres), compression included; and a restart's first
 * findings: the latest read back and adopted by the plugin's ContractsGraphService (its worker).
 */
/* eslint-disable no-console */
import {
  createAnalyzer,
  defaultRules,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { knex as createKnex, type Knex } from 'knex';
import { loadavg } from 'node:os';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import {
  decodeBody,
  encodeBody,
  type SnapshotEncoding,
  SnapshotStore,
} from '../src/database/SnapshotStore';
import { ContractsGraphService } from '../src/services/ContractsGraphService';
import {
  contractSourcesOf,
  entityToSummary,
} from '../src/services/entityModel';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const N = Number(arg('entities') ?? 10000);
const POSTGRES = arg('postgres');

async function best<T>(runs: number, fn: () => Promise<T>) {
  let ms = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, value };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

const silent: LoggerService = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => silent,
};

/**
 * A restart's first findings: the latest snapshot read from the store (and decompressed), then
 * adopted by the plugin's graph service (decoded and loaded in its worker, swapped in).
 */
async function adoptFromStore(name: string, store: SnapshotStore) {
  const graph = new ContractsGraphService({
    catalog: {} as CatalogService, // not read: the replica only serves
    auth: {} as AuthService,
    logger: silent,
    engineConfig: {},
    rules: defaultRules,
  });
  graph.setComputing(false);
  const t = performance.now();
  const latest = (await store.latest(1))!;
  const read = performance.now() - t;
  await graph.adoptSnapshot(new Uint8Array(latest.body), {
    version: latest.version,
    computedAt: latest.computedAt,
    lastSuccessAt: latest.checkedAt,
  });
  const total = performance.now() - t;
  console.log(
    `${name.padEnd(10)} restart: read + decompress ${read.toFixed(
      0,
    )} ms, adopted (findings served) after ${total.toFixed(0)} ms: ${
      graph.snapshot().items.findings.length
    } findings`,
  );
  await graph.close();
}

async function storeRoundTrip(name: string, db: Knex, body: Buffer) {
  await db.migrate.latest({
    directory: `${__dirname}/../migrations`,
  });
  const store = new SnapshotStore(db);
  for (const encoding of ['gzip', 'br'] as SnapshotEncoding[]) {
    const save = await best(3, () =>
      store.save({
        body,
        format: 1,
        computedAt: new Date().toISOString(),
        checkedAt: new Date().toISOString(),
        encoding,
      }),
    );
    const head = await best(20, () => store.head());
    const load = await best(3, () => store.latest(1));
    console.log(
      `${name.padEnd(10)} ${encoding.padEnd(4)}  save ${save.ms.toFixed(
        0,
      )} ms   head ${head.ms.toFixed(1)} ms   load ${load.ms.toFixed(0)} ms`,
    );
  }
  await adoptFromStore(name, store);
  await db.destroy();
}

async function main() {
  const entities = generatedEntities(N);
  const analyzer = createAnalyzer({ rules: defaultRules });
  const stored = [];
  for (const e of entities) {
    const summary = entityToSummary(e);
    const declared = contractSourcesOf(e);
    const parsed = declared
      ? parseEntityContract(summary.ref, declared.sources)
      : undefined;
    analyzer.upsert(summary, parsed?.contract);
    stored.push({
      key: summary.ref.toLowerCase(),
      etag: e.metadata.etag,
      summary,
      contract: parsed?.contract,
      problems: parsed?.problems ?? [],
    });
  }
  const result = analyzer.result();
  const t = performance.now();
  const json = JSON.stringify({
    format: 1,
    computedAt: new Date().toISOString(),
    entities: stored,
    result: {
      graph: { nodes: result.graph.nodes, edges: result.graph.edges },
      findings: result.findings,
    },
  });
  const body = Buffer.from(json, 'utf8');
  console.log(
    `${N} entities, ${result.findings.length} findings: snapshot ${mb(
      body.length,
    )} (JSON.stringify ${(performance.now() - t).toFixed(
      0,
    )} ms); load ${loadavg()[0].toFixed(1)}`,
  );
  console.log('compression      stored     ratio  compress  decompress');
  const variants: Array<[string, (b: Buffer) => Promise<Buffer>, string]> = [
    ['gzip 1', b => encodeBody1(b, 'gzip', 1), 'gzip'],
    ['gzip 6 (used)', b => encodeBody(b, 'gzip'), 'gzip'],
    ['brotli 1', b => encodeBody1(b, 'br', 1), 'br'],
    ['brotli 4 (used)', b => encodeBody(b, 'br'), 'br'],
    ['brotli 6', b => encodeBody1(b, 'br', 6), 'br'],
  ];
  for (const [name, encode, encoding] of variants) {
    const c = await best(3, () => encode(body));
    const d = await best(3, () => decodeBody(c.value, encoding));
    console.log(
      `${name.padEnd(16)} ${mb(c.value.length).padStart(8)}  ${(
        body.length / c.value.length
      )
        .toFixed(1)
        .padStart(5)}×  ${c.ms.toFixed(0).padStart(6)} ms  ${d.ms
        .toFixed(0)
        .padStart(6)} ms`,
    );
  }
  await storeRoundTrip(
    'SQLite',
    createKnex({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    }),
    body,
  );
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
        body,
      );
    } finally {
      await admin.raw(`drop database ${database}`);
      await admin.destroy();
    }
  }
}

/** A level other than the store's, for the comparison. */
async function encodeBody1(
  body: Buffer,
  encoding: 'gzip' | 'br',
  level: number,
): Promise<Buffer> {
  const zlib = await import('node:zlib');
  const { promisify } = await import('node:util');
  if (encoding === 'gzip') return promisify(zlib.gzip)(body, { level });
  return promisify(zlib.brotliCompress)(body, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level },
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
