/*
 * Preloaded into the backend by `yarn bench:scale` (scripts/bench-scale.ts). It changes nothing of
 * the contracts plugin; it only
 * - measures the host's event loop: perf_hooks.monitorEventLoopDelay (10 ms resolution) and,
 *   beside it, the largest gap between the ticks of a 5 ms interval timer (a check on the
 *   histogram); the parent asks over the IPC channel: { id, eld: 'reset' } starts a window,
 *   { id, eld: 'read' } answers { id, eld: { maxMs, p99Ms, meanMs, gapMaxMs } } for the window so far;
 * - adds a test plugin `benchnoop` with one trivial route, GET /api/benchnoop/noop, behind the
 *   same root middleware, plugin router and token authentication as every plugin's routes (it
 *   asks for the caller's user credentials and answers {}): what the framework alone costs;
 *   and POST /api/benchnoop/read-catalog?etagPage=P&whole=W, the floor probe: the catalog reads
 *   any design that finds changes by reading the catalog must make, as ours makes them, and
 *   nothing else (the kinds' etags in pages of P, then W entities whole with the graph's fields
 *   in pages of 100, through the same catalog client and service credentials; nothing is parsed,
 *   kept or analysed; `pages`: only the first K etag pages, a warm-up); it answers
 *   { etags, whole, ms };
 * - with BENCH_WITHOUT_CONTRACTS=1, puts an empty plugin (pluginId contracts, no routes, no work)
 *   in place of @backstage-contracts/plugin-contracts-backend: the same backend without ours.
 */
const Module = require('node:module');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let gapMax = 0;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  gapMax = Math.max(gapMax, now - last - 5);
  last = now;
}, 5).unref();

/*
 * With BENCH_PROFILE_DIR (bench:scale --profile): a CPU profile of this thread over each window,
 * written to <dir>/<BENCH_PROFILE_NAME>-<k>.cpuprofile when the window is read.
 */
const profileDir = process.env.BENCH_PROFILE_DIR;
let profiler;
let profiles = 0;
if (profileDir) {
  const { Session } = require('node:inspector/promises');
  const session = new Session();
  session.connect();
  let running = false;
  profiler = {
    async start() {
      if (running) await this.stop();
      running = true;
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 500 });
      await session.post('Profiler.start');
    },
    async stop() {
      if (!running) return undefined;
      running = false;
      const { profile } = await session.post('Profiler.stop');
      const { writeFileSync } = require('node:fs');
      const file = require('node:path').join(
        profileDir,
        `${
          process.env.BENCH_PROFILE_NAME ?? process.pid
        }-${++profiles}.cpuprofile`,
      );
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

if (process.send) {
  process.on('message', async message => {
    if (!message || !message.eld) return;
    if (message.eld === 'reset') {
      if (profiler) await profiler.start();
      histogram.reset();
      gapMax = 0;
      last = performance.now();
      process.send({ id: message.id, eld: 'reset' });
      return;
    }
    const ms = ns => ns / 1e6;
    const reading = {
      maxMs: ms(histogram.max),
      p99Ms: ms(histogram.percentile(99)),
      meanMs: ms(histogram.mean),
      gapMaxMs: Math.max(gapMax, performance.now() - last - 5),
    };
    const profileFile = profiler ? await profiler.stop() : undefined;
    process.send({ id: message.id, eld: { ...reading, profileFile } });
  });
  // the IPC channel must not keep a stopping backend alive
  process.channel?.unref?.();
}

let api;
const pluginApi = () =>
  (api ??= require(require.resolve('@backstage/backend-plugin-api', {
    paths: [process.cwd()],
  })));

const noopPlugin = () => {
  const { coreServices, createBackendPlugin } = pluginApi();
  const express = require(require.resolve('express', {
    paths: [process.cwd()],
  }));
  const { catalogServiceRef } = require(require.resolve(
    '@backstage/plugin-catalog-node',
    { paths: [process.cwd()] },
  ));
  return createBackendPlugin({
    pluginId: 'benchnoop',
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          auth: coreServices.auth,
          catalog: catalogServiceRef,
        },
        async init({ httpRouter, httpAuth, auth, catalog }) {
          const router = express.Router();
          router.get('/noop', async (req, res, next) => {
            try {
              await httpAuth.credentials(req, { allow: ['user'] });
              res.json({});
            } catch (error) {
              next(error);
            }
          });
          router.post('/read-catalog', async (req, res, next) => {
            try {
              await httpAuth.credentials(req, { allow: ['user'] });
              const started = performance.now();
              const answer = await readCatalog(
                catalog,
                await auth.getOwnServiceCredentials(),
                Number(req.query.etagPage ?? 500),
                Number(req.query.whole ?? 0),
                Number(req.query.pages ?? Infinity),
              );
              res.json({ ...answer, ms: performance.now() - started });
            } catch (error) {
              next(error);
            }
          });
          httpRouter.use(router);
        },
      });
    },
  });
};

/*
 * The floor probe's reads, as ContractsGraphService makes them (its KINDS, ETAG_FIELDS,
 * FULL_FIELDS and readPaged/readByRefs; kept in step by hand: a probe of the catalog's cost,
 * not of our code).
 */
const KINDS = ['component', 'resource', 'api', 'system'];
const ETAG_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.etag',
];
const FULL_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.etag',
  'metadata.annotations',
  'spec.owner',
  'spec.system',
  'spec.dependsOn',
  'spec.dependencyOf',
  'spec.type',
  'spec.definition',
  'relations',
];
async function readCatalog(catalog, credentials, etagPage, whole, pages) {
  const refs = [];
  let etags = 0;
  let left = pages;
  let cursor;
  do {
    const page = await catalog.queryEntities(
      cursor
        ? { cursor, fields: ETAG_FIELDS, limit: etagPage }
        : {
            filter: { kind: KINDS },
            fields: ETAG_FIELDS,
            limit: etagPage,
            totalItems: 'exclude',
          },
      { credentials },
    );
    etags += page.items.length;
    for (const e of page.items) {
      if (refs.length < whole) {
        refs.push(
          `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`,
        );
      }
    }
    cursor = page.pageInfo.nextCursor;
  } while (cursor && --left > 0);
  let read = 0;
  for (let i = 0; i < refs.length; i += 100) {
    const { items } = await catalog.getEntitiesByRefs(
      { entityRefs: refs.slice(i, i + 100), fields: FULL_FIELDS },
      { credentials },
    );
    read += items.filter(Boolean).length;
  }
  return { etags, whole: read };
}

const emptyContracts = () => {
  const { createBackendPlugin } = pluginApi();
  return createBackendPlugin({
    pluginId: 'contracts',
    register(env) {
      env.registerInit({ deps: {}, async init() {} });
    },
  });
};

/** Our plugin's package as the backend imports it (the same module object). */
let ours;
const isContracts = m => {
  ours ??= require(require.resolve(
    '@backstage-contracts/plugin-contracts-backend',
    { paths: [process.cwd()] },
  ));
  // import() gives the module itself, or (the ESM loader over CommonJS) a namespace whose
  // default is the module's exports
  return (
    Boolean(m) &&
    (m === ours || m.default === ours || m.default === ours.default)
  );
};

const load = Module._load;
let wrapped;
Module._load = function hooked(request) {
  const exports = load.apply(this, arguments);
  if (request !== '@backstage/backend-defaults' || !exports?.createBackend) {
    return exports;
  }
  wrapped ??= Object.defineProperty(
    {
      ...exports,
      createBackend: (...args) => {
        const backend = exports.createBackend(...args);
        backend.add(noopPlugin());
        if (process.env.BENCH_WITHOUT_CONTRACTS !== '1') return backend;
        const add = backend.add.bind(backend);
        backend.add = feature =>
          add(
            Promise.resolve(feature).then(m =>
              isContracts(m) ? { default: emptyContracts() } : m,
            ),
          );
        return backend;
      },
    },
    '__esModule',
    { value: true },
  );
  return wrapped;
};
