/*
 * How long the graph's full recompute holds the event loop: the largest delay a timer sees while
 * the service reads a generated catalog and rebuilds the graph, beside the recompute's duration.
 *
 *   yarn bench:recompute [--entities 10000] [--runs 3] [--catalog json] [--full-read]
 *                        [--change 1] [--notifier]
 *
 * The service is the plugin's own ContractsGraphService with the default rules, reading a layered
 * catalog of N components with inline contracts (src/__testUtils__/generatedCatalog.ts, each with
 * an etag as the catalog's stitcher gives it) from a catalog that answers each page after a turn of
 * the event loop and at no cost of its own, as over I/O (src/__testUtils__/pagedCatalog.ts): what is
 * measured is the plugin's. `--catalog json`: the catalog's answers cost this thread what the
 * catalog's own do when it runs in the same backend (as it does in a deployment): each entity of a
 * page parsed from its stored JSON, the fields asked for picked and the page written as JSON (the
 * catalog's router), then parsed (the catalog client) — not its database, HTTP or compression.
 * Each run is a full recompute (`refreshAll`): the first loads an empty service, the later ones
 * rebuild beside a live graph, as the scheduled task does; those read the etags and only the
 * changed entities whole (none change here), unless `--full-read`, which makes every run read
 * every entity whole (as a replica's first recompute after adopting a snapshot does, and every
 * recompute did before 30e7159). `--change P`: before each later run, P % of the entities (spread
 * over the catalog) get a new title, a stated p95 ten times their own (their callers' budgets
 * then disagree with it: findings move) and a new etag, as bench:scale's `--changed` moves them
 * in the catalog's tables (benchSeedCatalog.changeInCatalog). `--notifier`: the plugin's
 * ContractsNotifier follows the published graphs, as in the backend (its store of sent keys in
 * memory, no decisions, nothing sent): its work on this thread is measured with the rest.
 * During each, a 1 ms interval timer notes how
 * long the loop took to come round to it: the largest gap is the longest a request would have
 * waited behind the recompute. (perf_hooks' monitorEventLoopDelay is not used: on Node 22 its max
 * missed a 2.5 s synchronous stretch that this timer saw.)
 */
/* eslint-disable no-console */
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import { loadavg } from 'node:os';
import { serviceAuth, silentLogger } from './benchStubs';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createHash } from 'node:crypto';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import { pagedCatalog } from '../src/__testUtils__/pagedCatalog';
import { ContractsGraphService } from '../src/services/ContractsGraphService';
import type { DecisionsService } from '../src/services/DecisionsService';
import { ContractsNotifier } from '../src/notifications/ContractsNotifier';
import type { NotificationsSentStore } from '../src/notifications/NotificationsSentStore';
import type { NotificationService } from '@backstage/plugin-notifications-node';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('entities', 10000);
const RUNS = arg('runs', 3);
const JSON_CATALOG =
  process.argv[process.argv.indexOf('--catalog') + 1] === 'json';
const FULL_READ = process.argv.includes('--full-read');
const CHANGE = arg('change', 0);
const NOTIFIER = process.argv.includes('--notifier');

/** An entity with its etag: a hash of the rest, as the catalog's stitcher makes it. */
function withEtag(entity: Entity): Entity {
  const etag = createHash('sha1').update(JSON.stringify(entity)).digest('hex');
  return { ...entity, metadata: { ...entity.metadata, etag } };
}

/** `entity` with only the fields (dot paths) asked for, as the catalog's router picks them. */
function picked(entity: any, fields: string[] | undefined): unknown {
  if (!fields?.length) return entity;
  const out: any = {};
  for (const field of fields) {
    const path = field.split('.');
    let from = entity;
    for (const part of path) from = from?.[part];
    if (from === undefined) continue;
    let to = out;
    for (const part of path.slice(0, -1)) to = to[part] ??= {};
    to[path[path.length - 1]] = from;
  }
  return out;
}

/**
 * pagedCatalog, each answer costing this thread what the catalog's and its client's work does:
 * every entity parsed from its stored text, the fields picked, the page written and parsed.
 */
function jsonCatalog(entities: Entity[]): CatalogService {
  // the stored text of each entity, as the catalog's table holds it (made when it changes)
  const rows = new WeakMap<Entity, string>();
  const row = (e: Entity) => {
    let text = rows.get(e);
    if (text === undefined) rows.set(e, (text = JSON.stringify(e)));
    return text;
  };
  entities.forEach(row);
  // where each entity is in `entities` (its ref stays when it changes)
  const byRef = new Map(
    entities.map((e, i) => [
      `${e.kind}:${e.metadata.namespace ?? 'default'}/${
        e.metadata.name
      }`.toLowerCase(),
      i,
    ]),
  );
  const base = pagedCatalog(entities);
  const answer = <T extends { items: Array<Entity | undefined> }>(
    page: T,
    fields: string[] | undefined,
  ): T => {
    const items = page.items.map(e =>
      e ? picked(JSON.parse(row(e)), fields) : null,
    );
    return JSON.parse(JSON.stringify({ ...page, items }));
  };
  return {
    ...base,
    async queryEntities(request, options) {
      const page = await base.queryEntities(request, options);
      return answer(page, request?.fields);
    },
    async getEntitiesByRefs(request) {
      // (not pagedCatalog's, which makes a map of every entity per call: at 100k, ~13 MB kept
      // across a scavenge each time, which this thread's heap would grow by, not the plugin)
      await new Promise(resolve => setImmediate(resolve));
      const items = request.entityRefs.map(r => {
        const i = byRef.get(r.toLowerCase());
        return i === undefined ? undefined : entities[i];
      });
      return answer({ items }, request.fields);
    },
  } as CatalogService;
}

/** Gaps between the ticks of a 1 ms interval timer, until `stop()`. */
function probeEventLoop() {
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      gaps.push(performance.now() - last);
      gaps.sort((a, b) => a - b);
      return {
        max: gaps[gaps.length - 1],
        p99: gaps[Math.floor(gaps.length * 0.99)],
      };
    },
  };
}

/**
 * The notifier, following the service's published graphs as notifications/setup.ts wires it:
 * its sent keys kept in memory, no decisions, nothing to send (what it would notify is claimed
 * the first time, as a database's first graph is).
 */
function followedByNotifier(service: ContractsGraphService) {
  const claimed = new Set<string>();
  const sent = {
    async has(k: string) {
      return claimed.has(k);
    },
    async claim(keys: readonly string[]) {
      const out = keys.filter(k => !claimed.has(k));
      for (const k of out) claimed.add(k);
      return out;
    },
  } as unknown as NotificationsSentStore;
  const notifier = new ContractsNotifier({
    notifications: { send: async () => {} } as unknown as NotificationService,
    decisions: { forFinding: () => [], all: () => [] } as unknown as DecisionsService,
    sent,
    logger: silentLogger,
    settings: { reviewReminderDays: 14 },
  });
  service.onPublish(s => {
    notifier.onSnapshot(s);
  });
}

const logger = silentLogger;
const auth = serviceAuth;

async function main() {
  const entities = generatedEntities(N).map(withEtag);
  const service = new ContractsGraphService({
    catalog: JSON_CATALOG ? jsonCatalog(entities) : pagedCatalog(entities),
    auth,
    logger,
    engineConfig: {},
    rules: defaultRules,
  });
  if (NOTIFIER) followedByNotifier(service);
  console.log(
    `full recompute of ${N} generated entities, ${RUNS} runs, catalog ${
      JSON_CATALOG ? 'json (its work on this thread)' : 'at no cost'
    }${FULL_READ ? ', every entity read whole' : ''}${
      NOTIFIER ? ', the notifier following' : ''
    }${
      CHANGE ? `, ${CHANGE} % changed before each later run` : ''
    }; load average ${loadavg()
      .map(x => x.toFixed(2))
      .join(' / ')}`,
  );
  console.log(
    '| run | recompute | event loop max delay | p99 of the timer gaps | findings |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (let run = 1; run <= RUNS; run++) {
    if (run > 1 && CHANGE > 0) {
      // the catalogs answer from this array: P % of its entities move
      const step = Math.max(1, Math.round(100 / CHANGE));
      for (let i = run % step; i < entities.length; i += step) {
        const { etag: _, ...metadata } = entities[i].metadata;
        const annotations = { ...metadata.annotations };
        for (const [k, v] of Object.entries(annotations)) {
          annotations[k] = v.replace(
            /p95=(\d+)ms/,
            (__, ms) => `p95=${Number(ms) * 10}ms`,
          );
        }
        entities[i] = withEtag({
          ...entities[i],
          metadata: {
            ...metadata,
            annotations,
            title: `changed before run ${run}`,
          },
        });
      }
    }
    // (the service's own flag: its worker's entities are its own parse, so a full recompute
    // reads only the changed entities whole)
    if (FULL_READ)
      (service as unknown as { ownParse: boolean }).ownParse = false;
    const probe = probeEventLoop();
    const started = performance.now();
    await service.refreshAll();
    const duration = performance.now() - started;
    const gaps = probe.stop();
    const snapshot = service.snapshot();
    const ms = (t: number) => `${t.toFixed(1)} ms`;
    console.log(
      `| ${run === 1 ? '1 (first load)' : run} | ${Math.round(
        duration,
      )} ms | ${ms(gaps.max)} | ${ms(gaps.p99)} | ${
        snapshot.items.findings.length
      } |`,
    );
    if (snapshot.problems.length) {
      throw new Error(`contract problems: ${snapshot.problems[0].message}`);
    }
  }
  await service.close();
}

main().then(
  // (an exit now: the analysis host's call timers would keep the process for minutes)
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
