/*
 * The few reads of the contracts backend's REST API that the fact retriever needs, made with the
 * module's own service credentials (the routes apply the caller's catalog read permission; a
 * service principal reads every entity).
 */
import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ContractProblem,
  Finding,
  GraphNode,
  HistoryItem,
} from '@backstage-contracts/plugin-contracts-common';

/** A decision record as `GET /api/contracts/decisions` answers it (the fields read here). */
export interface ContractsDecision {
  id: string;
  findingId: string;
  consumer?: string;
  provider?: string;
  status: string;
  reviewBy?: string;
}

/** `GET /api/contracts/graph` (the fields read here). */
export interface ContractsGraph {
  nodes: GraphNode[];
  computedAt?: string | null;
}

/** A page of `GET /api/contracts/findings`. */
export interface FindingsPage {
  items: Finding[];
  problems: ContractProblem[];
  nextCursor?: string;
  computedAt?: string | null;
}

/** The most pages read from one paged route (500 items each for findings and decisions). */
const MAX_PAGES = 200;

export class ContractsClient {
  constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
    },
  ) {}

  /** The graph's nodes: every entity the contracts backend reads, with `hasContract`. */
  async graph(): Promise<ContractsGraph> {
    return this.request<ContractsGraph>('/graph');
  }

  /** Every finding and contract problem, all pages. */
  async findings(): Promise<{
    findings: Finding[];
    problems: ContractProblem[];
  }> {
    const findings: Finding[] = [];
    let problems: ContractProblem[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ limit: '500' });
      if (cursor) query.set('cursor', cursor);
      const body = await this.request<FindingsPage>(`/findings?${query}`);
      findings.push(...body.items);
      if (page === 0) problems = body.problems ?? [];
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return { findings, problems };
  }

  /** Every decision record, all pages, oldest first. */
  async decisions(): Promise<ContractsDecision[]> {
    const items: ContractsDecision[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ limit: '500' });
      if (cursor) query.set('cursor', cursor);
      const body = await this.request<{
        items: ContractsDecision[];
        nextCursor?: string;
      }>(`/decisions?${query}`);
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  /**
   * When each of `findingIds` last opened, from the entity's contract history (newest first),
   * read until every one is found or the history ends (at most `maxPages` pages of 200).
   */
  async openedAt(
    entityRef: { kind: string; namespace: string; name: string },
    findingIds: Set<string>,
    maxPages = 20,
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const path = `/entities/${[
      entityRef.kind,
      entityRef.namespace,
      entityRef.name,
    ]
      .map(encodeURIComponent)
      .join('/')}/history`;
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const query = new URLSearchParams({ limit: '200' });
      if (cursor) query.set('cursor', cursor);
      const body = await this.request<{
        items: HistoryItem[];
        nextCursor?: string;
      }>(`${path}?${query}`, { notFound: { items: [] } });
      for (const item of body.items) {
        if (item.type !== 'change') continue;
        for (const change of item.findings) {
          const id = change.finding.id;
          if (
            change.change === 'opened' &&
            findingIds.has(id) &&
            !found.has(id)
          ) {
            found.set(id, item.at);
          }
        }
      }
      cursor = body.nextCursor;
      if (!cursor || found.size === findingIds.size) break;
    }
    return found;
  }

  private async request<T>(
    path: string,
    options: { notFound?: T } = {},
  ): Promise<T> {
    const { discovery, auth } = this.options;
    const baseUrl = await discovery.getBaseUrl('contracts');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'contracts',
    });
    const response = await fetch(`${baseUrl}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (response.status === 404 && options.notFound) return options.notFound;
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
