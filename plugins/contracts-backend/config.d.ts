import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Configuration of the Backstage Contracts backend. */
  contracts?: {
    /**
     * Schedule of the full recompute of the conflict graph (run by the replica that computes: see
     * `snapshots`).
     * Default: every 5 minutes, 2 minutes timeout, 15 seconds initial delay.
     */
    schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /**
     * Seconds between the quick checks for changed entities (etags), which re-analyse only what
     * changed; made by the replica that computes (see `snapshots`). Default 3.
     */
    refreshIntervalSeconds?: number;
    /**
     * The longest one read of the catalog may take (a page of entities, the entities whose etag
     * changed): seconds, or a duration (`5s`, `PT5S`, `{ seconds: 5 }`). A read that fails or
     * takes longer marks the graph stale, with the reason and since when. Default 5 seconds.
     */
    catalogReadTimeout?:
      | number
      | string
      | {
          years?: number;
          months?: number;
          weeks?: number;
          days?: number;
          hours?: number;
          minutes?: number;
          seconds?: number;
          milliseconds?: number;
        };
    /** The caller's catalog read permission, as this plugin applies it. */
    permissions?: {
      /**
       * Seconds one caller's answers (the policy's decision on `catalog.entity.read` and which
       * entities the catalog let them read) are kept before they are asked again. The
       * permission framework tells nobody when a decision changes: a change of an entity's owner
       * or of a user's groups reaches the contracts API after at most this long (a policy change
       * is a deploy, which keeps nothing). 0: asked on every request. Default 5, at most 60.
       */
      visibilityCacheSeconds?: number;
    };
    /**
     * Per rule id: override the severity of its findings (`error`, `warning`, `tradeoff`,
     * `info`), or disable it with `enabled: false`. Default: the rule's own severity, enabled.
     */
    rules?: {
      [ruleId: string]: {
        severity?: 'error' | 'warning' | 'tradeoff' | 'info';
        enabled?: boolean;
      };
    };
    /** `retry-amplification` fires when attempts multiply beyond this along a chain. Default 10. */
    retryAmplificationBound?: number;
    /**
     * Per rule id: entity refs of groups that take part in decisions on its findings (and may
     * accept them), besides the owners of both sides, e.g.
     * `access-policy: [group:default/security-team]`. Default: none.
     */
    deciders?: {
      [ruleId: string]: string[];
    };
    /**
     * One persisted graph for every replica: the replica holding the compute lease (a row in the
     * plugin database) reads the catalog and computes; each snapshot it publishes is stored,
     * compressed and versioned, in the plugin database; every replica serves the latest one, and
     * a starting replica serves the last one stored as soon as it has read it.
     */
    snapshots?: {
      /** How often every replica reads the latest version (one small row) and the computing replica renews its lease. Default 1. */
      pollIntervalSeconds?: number;
      /**
       * How long the computing replica's lease runs without a renewal: when it stops without
       * giving the lease up (a crash), another replica computes after this long. At least twice
       * `pollIntervalSeconds`. Default 15.
       */
      leaseSeconds?: number;
      /** Snapshots kept in the database (the older are deleted). Default 3. */
      keep?: number;
      /**
       * How the stored snapshots are compressed. Default `zstd` (`gzip` on a Node before 22.15,
       * whose node:zlib has no zstd). Stored snapshots are read by the compression each was
       * written with, whatever this says now.
       */
      compression?: 'zstd' | 'gzip' | 'brotli' | 'none';
    };
    /**
     * The contract history (`GET /entities/{kind}/{namespace}/{name}/history`): what each
     * recompute changed — contracts, findings opened, closed or with new evidence — kept in the
     * plugin database and pruned hourly by one replica.
     */
    history?: {
      /** Whether recomputes are recorded. Default true. */
      enabled?: boolean;
      /** Changes older than this many days are deleted. Default 90. */
      retentionDays?: number;
      /**
       * The most events (a contract changed, a finding opened, closed or changed) kept in all;
       * beyond, the oldest changes are deleted. Default 100000.
       */
      maxEvents?: number;
    };
    /**
     * Runtime verification: what Prometheus measures for the promises contracts bind to a
     * metric (`latency.metric`, `freshness.metric`), held against what they declare (rules
     * `promise-drift`, `need-at-risk`) and shown on the Contracts card. Off unless `url` or
     * `urls` is set.
     */
    runtime?: {
      prometheus?: {
        /** The Prometheus HTTP API's base URL, e.g. `http://prometheus:9090`. */
        url?: string;
        /** Several (replicas of one Prometheus): tried in order when one fails. */
        urls?: string[];
        /**
         * Headers sent with every query, e.g. `Authorization: Bearer ${PROMETHEUS_TOKEN}`.
         * @visibility secret
         */
        headers?: { [name: string]: string };
        /** The longest one query may take: seconds, or a duration (`10s`). Default 10 seconds. */
        timeout?: number | string | { [unit: string]: number };
        /** The window a value is measured over (`7d`). Default 7 days. */
        window?: number | string | { [unit: string]: number };
        /** The step of the window's series (the sparkline, rates within it). Default 5 minutes. */
        step?: number | string | { [unit: string]: number };
        /**
         * How much worse than declared an observed value may be before `promise-drift`: a
         * share of the declared value. Default 0.1 (10 %).
         */
        tolerance?: number;
        /** How often the bound promises are measured (one replica per period). Default 5 minutes. */
        interval?: number | string | { [unit: string]: number };
        /**
         * The OpenTelemetry conventions of `metric: opentelemetry` (and `{ route }`): the
         * histogram of `http.server.request.duration` as Prometheus names it (default
         * `http_server_request_duration_seconds`), the label holding `service.name` (default
         * `job`), the one holding `http.route` (default `http_route`) and, for availability
         * (`availability: { promise: 99.95%, metric: opentelemetry }`: the share of requests not
         * answered 5xx, from the histogram's `_count`), the one holding
         * `http.response.status_code` (default `http_response_status_code`).
         */
        opentelemetry?: {
          metric?: string;
          serviceLabel?: string;
          routeLabel?: string;
          statusLabel?: string;
        };
      };
    };
    /** Bounds on trade-off decision records. */
    decisions?: {
      /**
       * The most records one finding may have; a new one beyond answers 409 (supersede an
       * existing one instead). Default 100.
       */
      maxPerFinding?: number;
      /**
       * Writes (records, signatures, withdrawals) one user may make per minute, counted by each
       * replica; beyond, 429 with Retry-After. Default 30.
       */
      writesPerMinute?: number;
      /**
       * Seconds between two reads of the decisions change log by every replica (the lag after
       * which a record written on one replica shows on the others). Default 1.
       */
      syncIntervalSeconds?: number;
      /**
       * Decision writes (records, supersedes, signatures, withdrawals) one replica handles at a
       * time, of all users together; the others wait in its write queue. The writes in flight
       * slow every other request of the replica (the catalog's too), their CPU much less.
       * Default 2.
       */
      concurrentWrites?: number;
      /**
       * Decision writes that may wait for one of the `concurrentWrites` slots, per replica;
       * beyond, 503 with Retry-After (1 s). Default 32.
       */
      writeQueue?: number;
      /**
       * Back-pressure by the host's event loop (as `@fastify/under-pressure`): while the loop was
       * held longer than this many milliseconds at a time in the last sample
       * (`perf_hooks.monitorEventLoopDelay`), decision writes (every request under /decisions
       * but reads) are answered 503 with Retry-After (1 s) before any work is spent on them, so
       * that the host's other requests (the catalog's too) keep their latency while writers
       * slow down. 0 or absent: off (the default). README: "Decision writes under load".
       */
      maxEventLoopDelay?: number;
      /** How often the event loop's delay is sampled, milliseconds. Default 500. */
      eventLoopSampleInterval?: number;
      /**
       * Back-pressure by the host's event-loop utilization (`performance.eventLoopUtilization`),
       * a share of the time from 0 (off, the default) up to 1: decision writes are admitted at a
       * rate (a token bucket) cut in proportion while the loop is busier than this and raised
       * while writes wait below it; a write beyond the rate waits up to 2 s for its turn, and one
       * whose turn is further away is answered 503 with Retry-After.
       */
      maxEventLoopUtilization?: number;
      /**
       * Writes per second one replica admits at most (a token bucket; a write beyond it waits up
       * to 2 s for its turn, then 503 with Retry-After). Alone: a fixed write rate; with `maxEventLoopUtilization`: the ceiling of
       * the rate that follows the utilization. 0 or absent: off (default).
       */
      maxWritesPerSecond?: number;
      /** How often that utilization is sampled and the rate set, milliseconds. Default 100. */
      utilizationSampleInterval?: number;
    };
    /**
     * Notifications to the deciders of a finding (through `@backstage/plugin-notifications-backend`):
     * a new trade-off or error, a decision recorded, superseded or reopened because its evidence
     * changed, and a reminder before a decision's review-by date. Each is sent once.
     */
    notifications?: {
      /** Default true. */
      enabled?: boolean;
      /** Days before a decision's review-by date its deciders are reminded. Default 14. */
      reviewReminderDays?: number;
      /** Minutes between two runs of the reminders (one replica per run). Default 60. */
      reviewReminderFrequencyMinutes?: number;
      /**
       * The least time between two notifications one replica sends, milliseconds; the records
       * made on one finding while its notification waits go out as one (the newest, and how
       * many). 0: no pause. Default 100.
       */
      sendInterval?: number;
    };
    /**
     * Signals (`@backstage/plugin-signals-backend`) telling the open pages that the graph or a
     * decision changed, so that they refetch at once instead of waiting for their next poll.
     */
    signals?: {
      /** Default true. */
      enabled?: boolean;
    };
  };
}
