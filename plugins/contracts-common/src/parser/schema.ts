/**
 * The JSON Schema of a contract document, for editors (`# yaml-language-server: $schema=…`)
 * and for the structural half of validation. Values with a grammar of their own (durations,
 * budgets, freshness, entity names…) carry patterns for editors; the parser reads them with
 * `grammar.ts`, which gives the precise messages.
 */
import { GRAMMAR_PATTERNS } from './grammar';

const text = (description: string) => ({
  type: 'string',
  minLength: 1,
  description,
});

const definitions = {
  entityName: {
    type: 'string',
    minLength: 1,
    pattern: String.raw`^\s*(?:[a-zA-Z][a-zA-Z0-9]*:)?(?:[a-z0-9]+(?:-+[a-z0-9]+)*/)?[a-zA-Z0-9](?:[-_.a-zA-Z0-9]*[a-zA-Z0-9])?\s*$`,
    description:
      'An entity, written like a Backstage entity ref: `risk` is `component:<same namespace>/risk`; `resource:default/orders-db` is explicit.',
    examples: ['risk', 'resource:default/orders-db'],
  },
  duration: {
    type: 'string',
    pattern: GRAMMAR_PATTERNS.duration,
    description:
      'A duration: a positive number and a unit ms, s, m or h, e.g. `200ms`, `0.2s`, `1.5s`, `5m`.',
    examples: ['500ms', '1.5s', '5m'],
  },
  percentileDurations: {
    type: 'object',
    description: 'Durations by percentile, e.g. `{ p95: 200ms }`.',
    propertyNames: { pattern: GRAMMAR_PATTERNS.percentile },
    additionalProperties: { $ref: '#/definitions/duration' },
    minProperties: 1,
  },
  latencyBounds: {
    description:
      'Upper bounds at percentiles: `p95 < 200ms`, or several: `p50 < 100ms, p95 < 200ms`; structured: `{ p95: 200ms }`.',
    anyOf: [
      { type: 'string', pattern: GRAMMAR_PATTERNS.latencyBounds },
      { $ref: '#/definitions/percentileDurations' },
    ],
    examples: ['p95 < 200ms'],
  },
  percentileLatencies: {
    description:
      'Latencies at percentiles: `p50=2800ms, p95=3200ms`, optionally with a note: `p50=80ms, p95=150ms (requires caching)`; structured: `{ p50: 2800ms, p95: 3200ms }`.',
    anyOf: [
      { type: 'string', pattern: GRAMMAR_PATTERNS.percentileLatencies },
      { $ref: '#/definitions/percentileDurations' },
    ],
    examples: ['p50=2800ms, p95=3200ms'],
  },
  latencyMetric: {
    description:
      'How the latency is measured in Prometheus: `opentelemetry` (the OpenTelemetry HTTP server histogram `http.server.request.duration` of the service: `http_server_request_duration_seconds{job="<service.name>"}`), or `{ route: /score, service: risk }` (one route; service.name defaults to the entity\'s name), `{ histogram: \'risk_seconds{job="risk"}\' }` (a histogram in seconds), `{ query: \'histogram_quantile($quantile, sum by (le) (rate(x_bucket[$window])))\', unit: s }` (PromQL; `$quantile` and `$window` are filled in; without `$quantile`, name its `percentile`). A string other than `opentelemetry` is a query.',
    anyOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          query: { type: 'string', minLength: 1 },
          histogram: { type: 'string', minLength: 1 },
          service: { type: 'string', minLength: 1 },
          route: { type: 'string', minLength: 1 },
          percentile: { type: 'string', pattern: GRAMMAR_PATTERNS.percentile },
          unit: { enum: ['s', 'ms'] },
        },
      },
    ],
    examples: ['opentelemetry', { route: '/score' }],
  },
  availabilityMetric: {
    description:
      'How the availability (success ratio) is measured in Prometheus: `opentelemetry` (the requests of the OpenTelemetry HTTP server histogram that did not answer 5xx, over all: `http_server_request_duration_seconds_count{job="<service.name>"}` by `http_response_status_code`), or `{ route: /score, service: risk }` (one route), or `{ query: \'sum(rate(ok_total[$window])) / sum(rate(all_total[$window]))\', unit: ratio }` (PromQL giving the ratio over `$window`: `ratio`, 0..1, by default, or `%`). A string other than `opentelemetry` is a query.',
    anyOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          query: { type: 'string', minLength: 1 },
          service: { type: 'string', minLength: 1 },
          route: { type: 'string', minLength: 1 },
          unit: { enum: ['ratio', '%'] },
        },
      },
    ],
    examples: ['opentelemetry', { route: '/score' }],
  },
  freshnessMetric: {
    description:
      'How the age of the dataset is measured in Prometheus: a PromQL query giving the age (a gauge such as replica lag), in seconds unless `unit: ms`; the window\'s value is its maximum over the window (or the query as written when it uses `$window`).',
    anyOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        additionalProperties: false,
        required: ['query'],
        properties: {
          query: { type: 'string', minLength: 1 },
          unit: { enum: ['s', 'ms'] },
        },
      },
    ],
    examples: ['pg_replication_lag_seconds{instance="orders-replica"}'],
  },
  freshness: {
    description:
      'How stale the dataset may be: `15-30s typical, 60s max`, `60s max`, `30s`; structured: `{ typical: 15-30s, max: 60s }` (and `metric`: how it is measured).',
    anyOf: [
      { type: 'string', pattern: GRAMMAR_PATTERNS.freshness },
      {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          typical: { type: 'string', description: 'e.g. `15-30s`' },
          max: { type: 'string', description: 'e.g. `60s`' },
          metric: { $ref: '#/definitions/freshnessMetric' },
        },
      },
    ],
    examples: ['15-30s typical, 60s max'],
  },
  freshnessRequired: {
    type: 'string',
    pattern: GRAMMAR_PATTERNS.freshnessRequired,
    description: 'The stalest data accepted, e.g. `<10s`.',
    examples: ['<10s'],
  },
  retry: {
    description:
      '`none` (a single attempt), the number of attempts in all, the first included (e.g. `3`), or a mapping as `retry_policies[]` writes it: `{ max_attempts: 3, backoff: exponential, per_try_timeout: 200ms, retry_on: [5xx, reset] }`.',
    anyOf: [
      { type: 'string', pattern: GRAMMAR_PATTERNS.retry },
      { type: 'integer', minimum: 1 },
      {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          max_attempts: {
            type: 'integer',
            minimum: 1,
            description: 'Attempts in all, the first included.',
          },
          backoff: {
            type: ['string', 'number'],
            description: 'e.g. `exponential`, `200ms`.',
          },
          per_try_timeout: {
            type: 'string',
            pattern: GRAMMAR_PATTERNS.duration,
            description:
              "How long each attempt may take, e.g. `200ms`; the call's `timeout` when absent.",
          },
          retry_on: {
            description:
              'What is retried, e.g. `[5xx, reset, connect-failure]` (Envoy) or `[UNAVAILABLE]` (gRPC).',
            anyOf: [
              { type: 'string', minLength: 1 },
              { type: 'array', items: { type: 'string', minLength: 1 } },
            ],
          },
        },
      },
    ],
    examples: ['none', 3, { max_attempts: 3, backoff: 'exponential' }],
  },
  availability: {
    description:
      'A promised availability, as a percentage: `99.95%` (a bare `99.95` reads as a percentage too). At the top of a document: the promise of the whole service; on a provided operation: its own. Bound to how it is measured: `{ promise: 99.95%, metric: opentelemetry }`.',
    anyOf: [
      { type: 'string', pattern: GRAMMAR_PATTERNS.availability },
      { type: 'number', exclusiveMinimum: 1, maximum: 100 },
      {
        type: 'object',
        additionalProperties: false,
        required: ['promise'],
        properties: {
          promise: {
            anyOf: [
              { type: 'string', pattern: GRAMMAR_PATTERNS.availability },
              { type: 'number', exclusiveMinimum: 1, maximum: 100 },
            ],
          },
          metric: { $ref: '#/definitions/availabilityMetric' },
        },
      },
    ],
    examples: ['99.95%', { promise: '99.95%', metric: 'opentelemetry' }],
  },
  allowedUse: {
    description:
      'The uses the data may serve wherever it travels (what its origin allows), e.g. `[fraud_detection, model_training]`: a reader with another `use_case`, even through derived datasets, is a trade-off (rule `data-use-path`).',
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 } },
    ],
    examples: [['fraud_detection']],
  },
  retryTarget: {
    type: 'string',
    minLength: 1,
    pattern: String.raw`^\s*\S+\s*$`,
    description:
      'The call retried: `service.operation` (e.g. `risk.scoreTransaction`) or a service.',
    examples: ['risk.scoreTransaction'],
  },
  names: {
    description: 'Names of the data an endpoint carries: one name or a list.',
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 } },
    ],
    examples: [['fraud_decision_breakdown']],
  },
  discovered: {
    type: 'object',
    description:
      'Values of this item that `contracts discover` found in code or shipped configuration, by key, with where: `path:line:column` (e.g. `{ timeout: src/riskClient.ts:14:22 }`). Unmarked values were declared.',
    minProperties: 1,
    additionalProperties: {
      type: 'string',
      pattern: String.raw`^\s*\S.*:\d+(?::\d+)?\s*$`,
    },
    examples: [{ timeout: 'src/riskClient.ts:14:22' }],
  },
  dependency: {
    type: 'object',
    description: 'A call this entity makes to another.',
    additionalProperties: false,
    required: ['service'],
    properties: {
      service: { $ref: '#/definitions/entityName' },
      operation: text('The operation called, e.g. `scoreTransaction`.'),
      latency_budget: {
        type: 'object',
        description:
          'What this caller can afford: `target`, `acceptable`, `maximum` as `p50 < 100ms`, or `{ p95: 200ms }`.',
        additionalProperties: false,
        minProperties: 1,
        examples: [{ acceptable: 'p95 < 200ms' }],
        properties: {
          target: { $ref: '#/definitions/latencyBounds' },
          acceptable: { $ref: '#/definitions/latencyBounds' },
          maximum: { $ref: '#/definitions/latencyBounds' },
        },
        patternProperties: {
          [GRAMMAR_PATTERNS.percentile]: { $ref: '#/definitions/duration' },
        },
      },
      timeout: { $ref: '#/definitions/duration' },
      fallback: text(
        'What the caller does when the call fails, e.g. `allow_with_monitoring`.',
      ),
      retry: { $ref: '#/definitions/retry' },
      discovered: { $ref: '#/definitions/discovered' },
    },
  },
  provided: {
    type: 'object',
    description:
      'One of: an `operation` (with `latency`), a `dataset` or an `endpoint`.',
    additionalProperties: false,
    oneOf: [
      { required: ['operation'] },
      { required: ['dataset'] },
      { required: ['endpoint'] },
    ],
    dependencies: {
      latency: ['operation'],
      via: ['dataset'],
      freshness: ['dataset'],
      derived_from: ['dataset'],
      returns: ['endpoint'],
      data: ['endpoint'],
      availability: ['operation'],
    },
    properties: {
      operation: text(
        'An operation this entity serves, e.g. `scoreTransaction`.',
      ),
      latency: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        examples: [{ current: 'p50=2800ms, p95=3200ms' }],
        properties: {
          current: { $ref: '#/definitions/percentileLatencies' },
          target: { $ref: '#/definitions/percentileLatencies' },
          metric: { $ref: '#/definitions/latencyMetric' },
        },
      },
      dataset: text('A dataset this entity provides, e.g. `user_purchases`.'),
      via: text('How the dataset is served, e.g. `database_replica`.'),
      freshness: { $ref: '#/definitions/freshness' },
      derived_from: {
        type: 'array',
        description: 'The datasets this one is computed from.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'dataset'],
          properties: {
            source: { $ref: '#/definitions/entityName' },
            dataset: text('The dataset read from the source.'),
          },
        },
      },
      endpoint: text('An endpoint path, e.g. `/fraud-score`.'),
      returns: text(
        'What the endpoint returns, e.g. `aggregate_only` or `full_breakdown`.',
      ),
      data: { $ref: '#/definitions/names' },
      pii: text(
        'How much personal data an endpoint or dataset carries, e.g. `minimal`, `high`.',
      ),
      access: text(
        'Who may call the endpoint or read the dataset, e.g. `risk_team_only`; absent or `any`: every consumer.',
      ),
      purposes: { $ref: '#/definitions/allowedUse' },
      allowed_use: { $ref: '#/definitions/allowedUse' },
      availability: { $ref: '#/definitions/availability' },
    },
  },
  dataDependency: {
    type: 'object',
    additionalProperties: false,
    required: ['source', 'dataset', 'freshness_required'],
    properties: {
      source: { $ref: '#/definitions/entityName' },
      dataset: text('The dataset read, e.g. `user_purchases`.'),
      freshness_required: { $ref: '#/definitions/freshnessRequired' },
      reason: text('Why, e.g. `velocity_fraud_detection`.'),
      impact_if_stale: text('What breaks, e.g. `false_negatives`.'),
      discovered: { $ref: '#/definitions/discovered' },
    },
  },
  retryPolicy: {
    type: 'object',
    additionalProperties: false,
    required: ['target'],
    properties: {
      target: { $ref: '#/definitions/retryTarget' },
      on_timeout: {
        type: 'object',
        additionalProperties: false,
        properties: {
          generates_new_request_id: {
            type: 'boolean',
            description:
              'Whether a retry after a timeout sends a fresh request id.',
          },
          reason: text('Why, e.g. `separate_attempts_in_logs`.'),
        },
      },
      max_attempts: {
        type: 'integer',
        minimum: 1,
        description: 'Attempts in all, the first included.',
      },
      backoff: text('e.g. `exponential`.'),
      reason: text('Why this policy.'),
      discovered: { $ref: '#/definitions/discovered' },
    },
  },
  idempotentOperation: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: text('An operation this entity serves, e.g. `scoreTransaction`.'),
      idempotency_key: text(
        'The field duplicates are recognised by, e.g. `transaction_id`.',
      ),
      expects: text(
        'What callers must do with it, e.g. `stable_across_retries`.',
      ),
      window: { $ref: '#/definitions/duration' },
      discovered: { $ref: '#/definitions/discovered' },
    },
  },
  requirement: {
    type: 'object',
    additionalProperties: false,
    required: ['from', 'data'],
    properties: {
      from: { $ref: '#/definitions/entityName' },
      data: text('The data needed, e.g. `fraud_decision_breakdown`.'),
      access_level: text(
        'The access this entity holds, e.g. `support_tier_2`.',
      ),
      use_case: text('Why, e.g. `dispute_resolution`.'),
    },
  },
};

const list = (item: keyof typeof definitions, description: string) => ({
  type: 'array',
  description,
  items: { $ref: `#/definitions/${item}` },
});

/**
 * The JSON Schema (draft-07) of a contract document, also published as
 * `schema/contract.schema.json` for editors:
 * `# yaml-language-server: $schema=<path>/contract.schema.json`.
 * @public
 */
export const contractDocumentSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Backstage Contracts document',
  description:
    'The contracts of one entity (or part of them: several documents merge). See DESIGN.md, "The contract document".',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: {
      type: 'string',
      description: 'The schema of this document, for editors.',
    },
    service: { $ref: '#/definitions/entityName' },
    availability: { $ref: '#/definitions/availability' },
    depends_on: list('dependency', 'Calls this entity makes.'),
    provides: list(
      'provided',
      'Operations, datasets and endpoints this entity provides.',
    ),
    data_dependencies: list(
      'dataDependency',
      'Datasets this entity reads, and how fresh they must be.',
    ),
    retry_policies: list('retryPolicy', 'How this entity retries its calls.'),
    operations: list(
      'idempotentOperation',
      'Idempotency of the operations this entity serves.',
    ),
    requires: list(
      'requirement',
      'Data this entity needs from others, and the access it holds.',
    ),
  },
  definitions,
};

/** The definitions whose values the parser reads with its own grammar (and messages). */
export const GRAMMAR_DEFINITIONS: readonly object[] = [
  definitions.entityName,
  definitions.duration,
  definitions.percentileDurations,
  definitions.latencyBounds,
  definitions.percentileLatencies,
  definitions.freshness,
  definitions.freshnessRequired,
  definitions.retry,
  definitions.retryTarget,
  definitions.availability,
  definitions.allowedUse,
  definitions.names,
  definitions.discovered,
];

/** The `oneOf` branches of a `provides` item. */
export const PROVIDED_KIND_BRANCHES: readonly object[] =
  definitions.provided.oneOf;
