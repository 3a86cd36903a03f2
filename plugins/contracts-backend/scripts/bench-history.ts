/*
 * How long the contract history's recording holds the event loop: the largest gap a 1 ms
 * interval timer sees while the recorder records a snapshot of the plugin's own graph service
 * (a generated catalog, src/__testUtils__/generatedCatalog.ts) into PostgreSQL, and how long the
 * recording takes in all.
 *
 *   node --import tsx scripts/bench-history.ts [--entities 100000] [--change 1]
 *        [--connection postgresql://postgres@127.0.0.1:5432] [--verbose] [--main-thread]
 *
 * The analysis worker has its own connection, as the plugin gives it on PostgreSQL: it writes
 * the baseline itself. `--main-thread`: without it (as on SQLite), the main thread writes the
 * baseline's pages the worker makes.
 *
 * Two recordings: the baseline (the first snapshot into an empty store: every contract and
 * finding written), then, after P % of the entities' contracts changed (a new timeout and
 * idempotency window, a new etag) and a full recompute, that recompute's snapshot (the changed
 * contracts compared and their changes written), then a new recorder (a restarted replica) after
 * P % more changed unrecorded: its first snapshot compared in full with the stored state. The
 * store is a database of its own
 * (`contracts_bench_history`, dropped and made again). After each, a digest of what the history
 * tables hold (without ids and times): the same before and after a change of the recorder means
 * it records the same rows and events.
 */
/* eslint-disable no-console */
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import type { DatabaseService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import knexFactory from 'knex';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import { pagedCatalog } from '../src/__testUtils__/pagedCatalog';
import { ContractHistoryRecorder } from '../src/history/ContractHistoryRecorder';
import { DatabaseHistoryStore } from '../src/history/DatabaseHistoryStore';
import { ContractsGraphService } from '../src/services/ContractsGraphService';
import { workerDatabaseSettings } from '../src/services/analysis/workerDatabase';
import { serviceAuth, silentLogger } from './benchStubs';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const N = Number(arg('entities', '100000'));
const CHANGE = Number(arg('change', '1'));
const CONNECTION = arg('connection', 'postgresql://postgres@127.0.0.1:5432');
const DB = 'contracts_bench_history';

function withEtag(entity: Entity): Entity {
  const etag = createHash('sha1').update(JSON.stringify(entity)).digest('hex');
  return { ...entity, metadata: { ...entity.metadata, etag } };
}

const VERBOSE = process.argv.includes('--verbose');
const MAIN_THREAD = process.argv.includes('--main-thread');

/**
 * Gaps between the ticks of a 1 ms interval timer, until `stop()`; with `--verbose`, each gap
 * over 15 ms and each GC pause over 5 ms meanwhile is printed (when, how long, which GC).
 */
function probeEventLoop() {
  const gaps: number[] = [];
  const start = performance.now();
  let last = start;
  const timer = setInterval(() => {
    const now = performance.now();
    if (VERBOSE && now - last > 15) {
      console.log(
        `  gap ${(now - last).toFixed(1)} ms ending at ${(now - start).toFixed(
          0,
        )} ms`,
      );
    }
    gaps.push(now - last);
    last = now;
  }, 1);
  const gc = new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      if (VERBOSE && e.duration > 5) {
        // (kind 1: a scavenge, 2: mark-compact; see perf_hooks' NODE_PERFORMANCE_GC_*)
        const kind = (e as { detail?: { kind?: number } }).detail?.kind;
        console.log(
          `  gc ${e.duration.toFixed(1)} ms (kind ${kind}) at ${(
            e.startTime - start
          ).toFixed(0)} ms`,
        );
      }
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      clearInterval(timer);
      gc.disconnect();
      gaps.push(performance.now() - last);
      gaps.sort((a, b) => a - b);
      return {
        max: gaps[gaps.length - 1],
        over15: gaps.filter(g => g > 15).length,
      };
    },
  };
}

/** What the history tables hold, without ids and times, digested. */
async function tablesDigest(db: knexFactory.Knex): Promise<string> {
  const md5 = createHash('md5');
  const queries: Array<[string, string]> = [
    [
      'entities',
      `select entity_ref, hash, contract from contracts_history_entities order by entity_ref`,
    ],
    [
      'findings',
      `select finding_id, evidence_hash, finding from contracts_history_findings order by finding_id`,
    ],
    [
      'events',
      `select kind, entity_ref, finding_id, consumer, provider, hash, previous_hash, body
         from contracts_history_events order by kind, entity_ref, finding_id`,
    ],
  ];
  const counts: string[] = [];
  for (const [name, sql] of queries) {
    const { rows } = await db.raw(sql);
    counts.push(`${name} ${rows.length}`);
    for (const r of rows) md5.update(JSON.stringify(Object.values(r)));
  }
  return `${counts.join(', ')}; digest ${md5.digest('hex').slice(0, 12)}`;
}

async function main() {
  const admin = knexFactory({ client: 'pg', connection: CONNECTION });
  await admin.raw(`drop database if exists ${DB}`);
  await admin.raw(`create database ${DB}`);
  await admin.destroy();
  const db = knexFactory({
    client: 'pg',
    connection: `${CONNECTION}/${DB}`,
  });
  const database = {
    getClient: async () => db,
  } as unknown as DatabaseService;
  const store = await DatabaseHistoryStore.create({ database });

  const entities = generatedEntities(N).map(withEtag);
  const service = new ContractsGraphService({
    catalog: pagedCatalog(entities),
    auth: serviceAuth,
    logger: silentLogger,
    engineConfig: {},
    rules: defaultRules,
    ...(MAIN_THREAD ? {} : { database: workerDatabaseSettings(db) }),
  });
  const recorder = new ContractHistoryRecorder({
    store,
    logger: silentLogger,
    worker: service.historyWorker(),
  });
  console.log(
    `history recording of ${N} generated entities (PostgreSQL ${DB}), ${CHANGE} % of contracts changed for the second; baseline written by the ${
      MAIN_THREAD ? 'main thread' : 'worker'
    }; load average ${loadavg()
      .map(x => x.toFixed(2))
      .join(' / ')}`,
  );
  console.log(
    '| recording | total | event loop max delay | gaps > 15 ms | tables |',
  );
  console.log('|---|---:|---:|---:|---|');
  const measure = async (name: string, by = recorder) => {
    const snapshot = service.snapshot();
    if (global.gc) global.gc();
    const probe = probeEventLoop();
    const started = performance.now();
    await by.record(snapshot);
    const total = performance.now() - started;
    const gaps = probe.stop();
    console.log(
      `| ${name} | ${Math.round(total)} ms | ${gaps.max.toFixed(1)} ms | ${
        gaps.over15
      } | ${await tablesDigest(db)} |`,
    );
  };

  await service.refreshAll();
  await measure(
    `baseline (${service.snapshot().items.findings.length} findings)`,
  );

  const step = Math.max(1, Math.round(100 / CHANGE));
  /** P % of the entities get a new contract (from `offset` on): how many. */
  const change = (offset: number, timeout: string) => {
    let n = 0;
    for (let i = offset; i < entities.length; i += step) {
      const { etag: _, ...metadata } = entities[i].metadata;
      const annotations = Object.fromEntries(
        Object.entries(metadata.annotations ?? {}).map(([k, v]) => [
          k,
          v
            .replace('window: 10m', 'window: 20m')
            .replace(/timeout: (\d+)ms/, `timeout: ${timeout}$1ms`),
        ]),
      );
      entities[i] = withEtag({
        ...entities[i],
        metadata: { ...metadata, annotations },
      });
      n++;
    }
    return n;
  };
  const changed = change(0, '9');
  await service.refreshAll();
  await measure(`${changed} contracts changed`);
  // a restarted replica, after more changed while none ran: compared in full with the stored state
  const more = change(1, '8');
  await service.refreshAll();
  await measure(
    `restart, ${more} more changed meanwhile (a full comparison with the stored state)`,
    new ContractHistoryRecorder({
      store,
      logger: silentLogger,
      worker: service.historyWorker(),
    }),
  );
  await service.close();
  await db.destroy();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
