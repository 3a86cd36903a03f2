import type {
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { PolicyDecision } from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  type PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  applyDecisions,
  contractsDecisionAcceptPermission,
  type Finding,
} from '@internal/backstage-plugin-contracts-common';
import type {
  Decision,
  DecisionsStore,
  NewDecision,
} from '../database/DecisionsStore';

/** Re-reads this far back on each sync, for records other replicas wrote with skewed clocks. */
const SYNC_WINDOW_MS = 5 * 60 * 1000;

/**
 * Decision records, cached in memory (append-only: a sync only adds), and the decision status
 * of findings.
 */
export class DecisionsService {
  private byId = new Map<string, Decision>();
  private byFinding = new Map<string, Decision[]>();
  private lastSeen = '';
  private loaded = false;
  private changes = 0;

  constructor(
    private readonly options: {
      store: DecisionsStore;
      logger: LoggerService;
    },
  ) {}

  get store(): DecisionsStore {
    return this.options.store;
  }

  /** Loads the records stored since the last sync (all of them the first time). */
  async sync(): Promise<void> {
    const since = this.loaded
      ? new Date(Date.parse(this.lastSeen) - SYNC_WINDOW_MS).toISOString()
      : '';
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const { items } = await this.options.store.list({
        recordedSince: since || undefined,
        offset,
        limit: page,
      });
      items.forEach(d => this.remember(d));
      if (items.length < page) break;
    }
    this.loaded = true;
  }

  /** Grows whenever a record is added or changes status: for caches of what depends on them. */
  get version(): number {
    return this.changes;
  }

  /** Adds a record (and marks the one it supersedes). */
  remember(record: Decision) {
    const known = this.byId.get(record.id);
    // A record that was already superseded stays so (with its successor) when it comes back.
    const d: Decision =
      known &&
      known.status === 'superseded' &&
      record.status !== 'superseded'
        ? { ...record, status: 'superseded', supersededBy: known.supersededBy }
        : record;
    if (
      !known ||
      known.status !== d.status ||
      known.supersededBy !== d.supersededBy ||
      known.reviewBy !== d.reviewBy
    ) {
      this.changes++;
    }
    this.byId.set(d.id, d);
    const list = (this.byFinding.get(d.findingId) ?? []).filter(
      x => x.id !== d.id,
    );
    list.push(d);
    list.sort(
      (a, b) =>
        a.recordedAt.localeCompare(b.recordedAt) || a.id.localeCompare(b.id),
    );
    this.byFinding.set(d.findingId, list);
    if (d.recordedAt > this.lastSeen) this.lastSeen = d.recordedAt;
    if (d.supersedes) {
      const old = this.byId.get(d.supersedes);
      if (old && old.status !== 'superseded') {
        this.remember({ ...old, status: 'superseded', supersededBy: d.id });
      }
    }
  }

  /** Cached records of one finding, oldest first. */
  forFinding(findingId: string): Decision[] {
    return this.byFinding.get(findingId) ?? [];
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
    const out = await this.options.store.create(input);
    this.remember(out.decision);
    return out;
  }

  async get(id: string): Promise<Decision> {
    const d = this.byId.get(id) ?? (await this.options.store.get(id));
    if (!d) throw new NotFoundError(`No decision with id ${id}`);
    return d;
  }
}

/**
 * Who may accept which findings: one conditional authorization per call, whatever the number of
 * findings (the policy's decision for the caller), whose conditions — rule IS_FINDING_PARTY on
 * the finding's deciders — this plugin, which owns the finding resource, evaluates itself, as
 * the catalog does for entities: no call back from the permission backend per finding.
 */
export class FindingAuthorizer {
  private readonly applies: (
    decision: PolicyDecision,
    finding: Finding | undefined,
  ) => boolean;

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      /** The rules of the finding resource, as registered with the permissions registry. */
      ruleset: PermissionRuleset<Finding>;
    },
  ) {
    this.applies = createConditionAuthorizer(options.ruleset);
  }

  /** For each finding: may the caller accept it. */
  async canAccept(
    findings: readonly Finding[],
    credentials: BackstageCredentials,
  ): Promise<boolean[]> {
    if (!findings.length) return [];
    const [decision] = await this.options.permissions.authorizeConditional(
      [{ permission: contractsDecisionAcceptPermission }],
      { credentials },
    );
    return findings.map(f => this.applies(decision, f));
  }
}
