import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Configuration of the Backstage Contracts backend. */
  contracts?: {
    /**
     * Schedule of the full recompute of the conflict graph (one replica runs it per period).
     * Default: every 5 minutes, 2 minutes timeout, 15 seconds initial delay.
     */
    schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /**
     * Seconds between the quick checks every replica makes for changed entities (etags), which
     * re-analyse only what changed. Default 3.
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
    };
  };
}
