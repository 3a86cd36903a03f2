import type {
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  type PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  applyDecisions,
  contractsDecisionAcceptPermission,
  contractsDecisionCreatePermission,
  type Finding,
} from '@backstage-contracts/plugin-contracts-common';
import { LRUCache } from 'lru-cache';
import type {
  Decision,
  DecisionsStore,
  NewDecision,
  NewSignature,
} from '../database/DecisionsStore';
import { callerKey } from './CatalogVisibility';

/** A record added or changed (see {@link DecisionsService.onChange}). */
export interface DecisionEvent {
  decision: Decision;
  /** A new record written on this replica. */
  created?: boolean;
}

/** How long a hole in the change log is looked for (a write still committing, or rolled back). */
const GAP_TTL_MS = 60_000;
/** Changes read per query of a sync. */
const SYNC_PAGE = 1000;
/**
 * A sync that finds a new hole looks again this soon, not only at the next periodic sync: the
 * write behind it is usually committing within milliseconds, and waiting a whole interval put
 * records 2-4 s behind on the other replica under load (issue 13's 20,000-decision run: 2 of
 * 991 lag samples over 3 s, both such holes).
 */
const GAP_RECHECK_MS = 200;

const open = (d: Decision) =>
  d.status !== 'superseded' && d.status !== 'withdrawn';

/**
 * Decision records, cached in memory, and the decision status of findings. Every replica
 * follows the store's change log by its cursor (`seq`): a sync reads the changes after the last
 * one seen, and the records they touch. A hole in the sequence (a write of another replica
 * still committing: PostgreSQL hands out `seq` at insert, not at commit) is asked for again
 * on the next syncs until it appears or a minute passes (a rolled-back write).
 */
export class DecisionsService {
  private byId = new Map<string, Decision>();
  private byFinding = new Map<string, Decision[]>();
  private cursor = 0;
  /** seq → when the hole was first seen. */
  private gaps = new Map<number, number>();
  private changes = 0;
  private syncing?: Promise<void>;
  private recheck?: ReturnType<typeof setTimeout>;
  private readonly listeners = new Set<(change: DecisionEvent) => void>();

  constructor(
    private readonly options: {
      store: DecisionsStore;
      logger: LoggerService;
      /** The most records one finding may have (409 beyond). */
      maxPerFinding?: number;
      /** How soon a sync that found a new hole looks again, ms; default {@link GAP_RECHECK_MS}. */
      gapRecheckMs?: number;
    },
  ) {}

  get store(): DecisionsStore {
    return this.options.store;
  }

  /** Loads the records changed since the last sync (all of them the first time). */
  sync(): Promise<void> {
    // one sync at a time: a second caller waits for the one running
    this.syncing ??= this.doSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const { store } = this.options;
    const touched = new Set<string>();
    const now = Date.now();
    const holesBefore = this.gaps.size;
    if (this.gaps.size) {
      const found = await store.changes({ seqs: [...this.gaps.keys()] });
      for (const c of found) {
        this.gaps.delete(c.seq);
        touched.add(c.decisionId);
      }
      for (const [seq, since] of this.gaps) {
        if (now - since > GAP_TTL_MS) this.gaps.delete(seq);
      }
    }
    for (;;) {
      const page = await store.changes({
        after: this.cursor,
        limit: SYNC_PAGE,
      });
      for (const c of page) {
        // holes below the first change seen are from before this replica started
        if (this.cursor > 0 && c.seq - this.cursor > 1) {
          for (
            let s = this.cursor + 1;
            s < c.seq && this.gaps.size < 10_000;
            s++
          ) {
            this.gaps.set(s, now);
          }
        }
        this.cursor = Math.max(this.cursor, c.seq);
        touched.add(c.decisionId);
      }
      if (page.length < SYNC_PAGE) break;
    }
    if (this.gaps.size > holesBefore) this.lookAgainSoon();
    if (!touched.size) return;
    const records = await store.getMany([...touched]);
    // the successors after the records they supersede
    records.sort(
      (a, b) =>
        a.recordedAt.localeCompare(b.recordedAt) || a.id.localeCompare(b.id),
    );
    records.forEach(d => this.remember(d));
  }

  /** One more sync shortly, for the holes just found (at most one waiting). */
  private lookAgainSoon() {
    if (this.recheck) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      this.sync().catch(error =>
        this.options.logger.warn(`Decisions sync failed: ${error}`),
      );
    }, this.options.gapRecheckMs ?? GAP_RECHECK_MS);
    this.recheck.unref?.();
  }

  /**
   * Calls `listener` with every record added or changed, whether written on this replica
   * (`created` for a new record written here) or read from the change log. Returns a function
   * that removes the listener.
   */
  onChange(listener: (change: DecisionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: DecisionEvent) {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.logger.warn('Contracts decision listener failed', {
          error: String(error),
        });
      }
    }
  }

  /** Grows whenever a record is added or changes: for caches of what depends on them. */
  get version(): number {
    return this.changes;
  }

  /** Adds or replaces a record (and marks the one it supersedes). */
  remember(record: Decision) {
    let changed = false;
    const known = this.byId.get(record.id);
    // A record that was already superseded stays so (with its successor) when it comes back.
    const d: Decision =
      known?.supersededBy && !record.supersededBy
        ? { ...record, status: 'superseded', supersededBy: known.supersededBy }
        : record;
    if (
      !known ||
      known.status !== d.status ||
      known.supersededBy !== d.supersededBy ||
      known.signatures.length !== d.signatures.length ||
      known.withdrawnAt !== d.withdrawnAt
    ) {
      this.changes++;
      changed = true;
    }
    this.byId.set(d.id, d);
    const list = this.byFinding.get(d.findingId);
    if (!list) {
      this.byFinding.set(d.findingId, [d]);
    } else {
      const at = known ? list.findIndex(x => x.id === d.id) : -1;
      if (at >= 0) {
        list[at] = d;
      } else {
        // oldest first; a new record is almost always the newest
        let i = list.length;
        while (
          i > 0 &&
          (list[i - 1].recordedAt > d.recordedAt ||
            (list[i - 1].recordedAt === d.recordedAt && list[i - 1].id > d.id))
        ) {
          i--;
        }
        list.splice(i, 0, d);
      }
    }
    if (d.supersedes) {
      const old = this.byId.get(d.supersedes);
      if (old && old.supersededBy !== d.id) {
        this.remember({ ...old, status: 'superseded', supersededBy: d.id });
      }
    }
    if (changed) this.emit({ decision: d });
  }

  /** Cached records of one finding, oldest first. */
  forFinding(findingId: string): Decision[] {
    return this.byFinding.get(findingId) ?? [];
  }

  /** The records of these findings that still count (neither superseded nor withdrawn), and how many records they have in all. */
  current(findingIds: readonly string[]): {
    decisions: Decision[];
    count: number;
  } {
    const decisions: Decision[] = [];
    let count = 0;
    for (const id of findingIds) {
      const list = this.forFinding(id);
      count += list.length;
      for (const d of list) if (open(d)) decisions.push(d);
    }
    return { decisions, count };
  }

  all(): Decision[] {
    return [...this.byFinding.values()].flat();
  }

  /** Findings with their decision status (see `applyDecisions` in contracts-common). */
  withStatus(findings: readonly Finding[], now = Date.now()): Finding[] {
    const decisions = findings.flatMap(f => this.forFinding(f.id));
    return applyDecisions(findings, decisions, now);
  }

  async create(input: NewDecision): Promise<{
    decision: Decision;
    created: boolean;
  }> {
    const out = await this.options.store.create(input, {
      maxPerFinding: this.options.maxPerFinding,
    });
    this.remember(out.decision);
    if (out.created) this.emit({ decision: out.decision, created: true });
    return out;
  }

  async sign(id: string, signatures: NewSignature[]): Promise<Decision> {
    const d = await this.options.store.sign(id, signatures);
    this.remember(d);
    return d;
  }

  async withdraw(id: string, actor: string): Promise<Decision> {
    const d = await this.options.store.withdraw(id, actor);
    this.remember(d);
    return d;
  }

  async get(id: string): Promise<Decision> {
    const d = this.byId.get(id) ?? (await this.options.store.get(id));
    if (!d) throw new NotFoundError(`No decision with id ${id}`);
    return d;
  }
}

/**
 * How long the policy's decisions for one caller (may they record decisions, may they accept
 * findings) are kept: a burst of writes asks the permission framework once, not per request. A
 * change of policy or of group membership reaches the decision routes within this time (as it
 * reaches what they may read: `CATALOG_VISIBILITY_TTL_MS` of CatalogVisibility).
 */
export const PERMISSION_DECISIONS_TTL_MS = 5_000;
/** The most callers whose decisions are kept at a time (the least recently served go first). */
const MAX_CALLERS = 1_000;

/**
 * Who may record decisions, and accept which findings: one authorization per caller and
 * permission, kept {@link PERMISSION_DECISIONS_TTL_MS} by the caller's principal (concurrent
 * requests of one caller share the one in flight). For accepting, one conditional authorization
 * whatever the number of findings (the policy's decision for the caller), whose conditions —
 * rule IS_FINDING_PARTY on the finding's deciders — this plugin, which owns the finding
 * resource, evaluates itself, as the catalog does for entities: no call back from the
 * permission backend per finding.
 */
export class FindingAuthorizer {
  private readonly applies: (
    decision: PolicyDecision,
    finding: Finding | undefined,
  ) => boolean;
  /** Per caller and permission; absent when decisions are not kept (a TTL of 0). */
  private readonly decisions?: LRUCache<string, Promise<PolicyDecision>>;

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      /** The rules of the finding resource, as registered with the permissions registry. */
      ruleset: PermissionRuleset<Finding>;
      /** How long a caller's decisions are kept; default {@link PERMISSION_DECISIONS_TTL_MS}. */
      ttlMs?: number;
    },
  ) {
    this.applies = createConditionAuthorizer(options.ruleset);
    const ttl = options.ttlMs ?? PERMISSION_DECISIONS_TTL_MS;
    if (ttl > 0) {
      this.decisions = new LRUCache({ max: MAX_CALLERS * 2, ttl });
    }
  }

  /** The policy's decision on `permission` for the caller, kept per caller. */
  private decision(
    permission: string,
    credentials: BackstageCredentials,
    ask: () => Promise<PolicyDecision>,
  ): Promise<PolicyDecision> {
    const caller = this.decisions && callerKey(credentials);
    if (!caller) return ask();
    const key = `${permission}|${caller}`;
    const known = this.decisions!.get(key);
    if (known) return known;
    const asked = ask();
    this.decisions!.set(key, asked);
    // a failure is not kept: the next request asks again
    asked.catch(() => {
      if (this.decisions!.get(key) === asked) this.decisions!.delete(key);
    });
    return asked;
  }

  /** May the caller record decisions (the permission `contracts.decision.create`). */
  async canCreate(credentials: BackstageCredentials): Promise<boolean> {
    const { permissions } = this.options;
    const decision = await this.decision(
      contractsDecisionCreatePermission.name,
      credentials,
      async () =>
        (
          await permissions.authorize(
            [{ permission: contractsDecisionCreatePermission }],
            { credentials },
          )
        )[0],
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** For each finding: may the caller accept it. */
  async canAccept(
    findings: readonly Finding[],
    credentials: BackstageCredentials,
  ): Promise<boolean[]> {
    if (!findings.length) return [];
    const { permissions } = this.options;
    const decision = await this.decision(
      contractsDecisionAcceptPermission.name,
      credentials,
      async () =>
        (
          await permissions.authorizeConditional(
            [{ permission: contractsDecisionAcceptPermission }],
            { credentials },
          )
        )[0],
    );
    return findings.map(f => this.applies(decision, f));
  }
}
