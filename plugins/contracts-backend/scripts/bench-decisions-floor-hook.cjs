/*
 * Preloaded into both replicas by `yarn bench:decisions --floor` (scripts/bench-decisions.ts): the
 * floor of a decision write. It adds a test plugin `benchfloor` with one route,
 * POST /api/benchfloor/decisions, behind the same root middleware, plugin router and user-token
 * authentication as the contracts plugin's routes: it reads the JSON body and inserts the row the
 * contracts plugin would insert for it (the same columns and values, in a table of the same shape
 * in the test plugin's own database, through Backstage's database service, one knex insert) and
 * answers 201 with the row's id. No validation, permission, graph lookup, event row or cache: what
 * any implementation of the route must spend at least. The contracts plugin itself runs as usual.
 */
const Module = require('node:module');
const { randomUUID } = require('node:crypto');

const fromBackend = name =>
  require(require.resolve(name, { paths: [process.cwd()] }));

const floorPlugin = () => {
  const { coreServices, createBackendPlugin } = fromBackend(
    '@backstage/backend-plugin-api',
  );
  const express = fromBackend('express');
  return createBackendPlugin({
    pluginId: 'benchfloor',
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          database: coreServices.database,
        },
        async init({ httpRouter, httpAuth, database }) {
          const db = await database.getClient();
          if (!(await db.schema.hasTable('decisions'))) {
            await db.schema
              .createTable('decisions', t => {
                t.string('id').primary();
                t.string('finding_id').notNullable().index();
                t.string('evidence_hash').notNullable();
                t.string('rule').notNullable();
                t.string('consumer').notNullable();
                t.string('provider').notNullable();
                t.string('subject').notNullable();
                t.text('title').notNullable();
                t.text('context');
                t.text('options').notNullable();
                t.text('decision').notNullable();
                t.text('rationale').notNullable();
                t.text('deciders').notNullable();
                t.text('required_deciders').notNullable();
                t.string('status').notNullable();
                t.string('review_by');
                t.string('supersedes');
                t.string('recorded_by').notNullable();
                t.string('recorded_at').notNullable();
                t.string('idempotency_key');
                t.string('request_hash');
              })
              .catch(() => undefined); // the other replica made it first
          }
          const router = express.Router();
          router.post(
            '/decisions',
            express.json({ limit: '1mb' }),
            async (req, res, next) => {
              try {
                const credentials = await httpAuth.credentials(req, {
                  allow: ['user'],
                });
                const b = req.body ?? {};
                const id = randomUUID();
                await db('decisions').insert({
                  id,
                  finding_id: String(b.findingId),
                  evidence_hash: 'floor',
                  rule: 'latency-budget',
                  consumer: 'component:default/a',
                  provider: 'component:default/b',
                  subject: 'op',
                  title: String(b.title),
                  context: b.context ?? null,
                  options: JSON.stringify(b.options ?? []),
                  decision: String(b.decision),
                  rationale: String(b.rationale),
                  deciders: JSON.stringify(['group:default/support-team']),
                  required_deciders: JSON.stringify([
                    'group:default/support-team',
                  ]),
                  status: 'proposed',
                  review_by: b.reviewBy ?? null,
                  supersedes: null,
                  recorded_by: credentials.principal.userEntityRef,
                  recorded_at: new Date().toISOString(),
                  idempotency_key: null,
                  request_hash: null,
                });
                res.status(201).json({ id });
              } catch (error) {
                next(error);
              }
            },
          );
          httpRouter.use(router);
        },
      });
    },
  });
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
        backend.add(floorPlugin());
        return backend;
      },
    },
    '__esModule',
    { value: true },
  );
  return wrapped;
};
