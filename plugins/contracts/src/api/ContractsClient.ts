import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import type { ContractsApi } from './ContractsApi';
import type {
  CheckResult,
  ContractsFinding,
  ContractsGraph,
  Decision,
  DecisionInput,
  DecisionsQuery,
  DecisionVerdict,
  EntityContractsResponse,
  EntityHistoryPage,
  FindingsQuery,
  GraphQuery,
  Page,
  UnansweredPage,
  UnansweredQuery,
} from './types';
import type { paths } from './generated/openapi';

/** The body of `POST /check`, as the spec gives it. */
type CheckBody =
  paths['/check']['post']['requestBody']['content']['application/json'];

type RequestOptions = {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
};

function newIdempotencyKey(): string {
  const c = (globalThis as any).crypto;
  if (c?.randomUUID) {
    return c.randomUUID();
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * {@link ContractsApi} over the contracts backend (`/api/contracts`).
 * @public
 */
export class ContractsClient implements ContractsApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getEntity(entityRef: string): Promise<EntityContractsResponse> {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    return this.request<EntityContractsResponse>(
      `/entities/${encodeURIComponent(
        kind.toLocaleLowerCase('en-US'),
      )}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`,
    );
  }

  async getEntityHistory(
    entityRef: string,
    q: { cursor?: string; limit?: number } = {},
  ): Promise<EntityHistoryPage> {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    return this.request<EntityHistoryPage>(
      `/entities/${encodeURIComponent(
        kind.toLocaleLowerCase('en-US'),
      )}/${encodeURIComponent(namespace)}/${encodeURIComponent(
        name,
      )}/history${query({ ...q })}`,
    );
  }

  async getUnanswered(q: UnansweredQuery): Promise<UnansweredPage> {
    return this.request<UnansweredPage>(`/unanswered${query({ ...q })}`);
  }

  async getFindings(q: FindingsQuery): Promise<Page<ContractsFinding>> {
    return this.request<Page<ContractsFinding>>(`/findings${query({ ...q })}`);
  }

  async getGraph(q: GraphQuery = {}): Promise<ContractsGraph> {
    return this.request<ContractsGraph>(`/graph${query({ ...q })}`);
  }

  async check(
    entityRef: string,
    documents: Array<{ file: string; text: string }>,
  ): Promise<CheckResult> {
    const body: CheckBody = { entityRef, sources: documents };
    return this.request<CheckResult>('/check', {
      method: 'POST',
      body: JSON.stringify(body),
    });
  }

  async getDecisions(q: DecisionsQuery): Promise<Page<Decision>> {
    return this.request<Page<Decision>>(`/decisions${query({ ...q })}`);
  }

  async recordDecision(
    input: DecisionInput,
    idempotencyKey: string = newIdempotencyKey(),
  ): Promise<Decision> {
    return this.request<Decision>('/decisions', {
      method: 'POST',
      body: JSON.stringify(input),
      headers: { 'Idempotency-Key': idempotencyKey },
    });
  }

  async supersedeDecision(
    id: string,
    input: DecisionInput,
    idempotencyKey: string = newIdempotencyKey(),
  ): Promise<Decision> {
    return this.request<Decision>(
      `/decisions/${encodeURIComponent(id)}/supersede`,
      {
        method: 'POST',
        body: JSON.stringify(input),
        headers: { 'Idempotency-Key': idempotencyKey },
      },
    );
  }

  async signDecision(id: string, verdict: DecisionVerdict): Promise<Decision> {
    return this.request<Decision>(
      `/decisions/${encodeURIComponent(id)}/signatures`,
      { method: 'POST', body: JSON.stringify({ verdict }) },
    );
  }

  async withdrawDecision(id: string): Promise<Decision> {
    return this.request<Decision>(
      `/decisions/${encodeURIComponent(id)}/withdraw`,
      { method: 'POST' },
    );
  }

  async getDecisionMarkdown(id: string): Promise<string> {
    const response = await this.send(
      `/decisions/${encodeURIComponent(id)}/markdown`,
    );
    return response.text();
  }

  async getDecisionAdr(
    id: string,
  ): Promise<{ fileName: string; text: string }> {
    const response = await this.send(
      `/decisions/${encodeURIComponent(id)}/adr`,
    );
    const fileName =
      /filename="([^"]+)"/.exec(
        response.headers.get('Content-Disposition') ?? '',
      )?.[1] ?? `decision-${id}.md`;
    return { fileName, text: await response.text() };
  }

  private async request<T>(
    path: string,
    init: RequestOptions = {},
  ): Promise<T> {
    const response = await this.send(path, init);
    return (await response.json()) as T;
  }

  private async send(
    path: string,
    init: RequestOptions = {},
  ): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl('contracts');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: init.method ?? 'GET',
      body: init.body,
      headers: {
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
        ...init.headers,
      },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }
}
