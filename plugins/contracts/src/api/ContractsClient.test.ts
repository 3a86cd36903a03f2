import { ResponseError } from '@backstage/errors';
import { ContractsClient } from './ContractsClient';

const BASE = 'http://backstage.test/api/contracts';

/** A client over a fetch that answers `answer` and records what it was asked. */
function client(answer: () => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const api = new ContractsClient({
    discoveryApi: { getBaseUrl: async () => BASE },
    fetchApi: {
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return answer();
      }) as any,
    },
  });
  return { api, calls };
}

const json = (
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

describe('ContractsClient entities', () => {
  it("loads an entity without ?include=canAccept: the backend's cached body", async () => {
    const { api, calls } = client(() =>
      json({ entityRef: 'component:default/checkout', findings: [] }),
    );
    await api.getEntity('Component:default/checkout');
    expect(calls.map(c => c.url)).toEqual([
      `${BASE}/entities/component/default/checkout`,
    ]);
  });

  it('asks what-if checks with the body the spec gives: { entityRef, sources }', async () => {
    const { api, calls } = client(() => json({ findings: [], problems: [] }));
    const sources = [{ file: 'proposed.yaml', text: 'service: checkout' }];
    await api.check('component:default/checkout', sources);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      entityRef: 'component:default/checkout',
      sources,
    });
  });
});

describe('ContractsClient decisions', () => {
  it('signs a verdict: POST /decisions/{id}/signatures {verdict}', async () => {
    const { api, calls } = client(() =>
      json({ id: 'd 1', status: 'proposed' }),
    );
    await expect(api.signDecision('d 1', 'reject')).resolves.toMatchObject({
      id: 'd 1',
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe(`${BASE}/decisions/d%201/signatures`);
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      verdict: 'reject',
    });
    expect(calls[0].init.headers).toMatchObject({
      'Content-Type': 'application/json',
    });
  });

  it('withdraws: POST /decisions/{id}/withdraw without a body', async () => {
    const { api, calls } = client(() =>
      json({ id: 'd1', status: 'withdrawn' }),
    );
    await expect(api.withdrawDecision('d1')).resolves.toMatchObject({
      status: 'withdrawn',
    });
    expect(calls[0].url).toBe(`${BASE}/decisions/d1/withdraw`);
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.body).toBeUndefined();
  });

  it('pages the history: GET /decisions?entityRef=…&cursor=…&limit=…', async () => {
    const { api, calls } = client(() => json({ items: [] }));
    await api.getDecisions({
      entityRef: 'component:default/checkout',
      cursor: 'MjA',
      limit: 20,
    });
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/api/contracts/decisions');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      entityRef: 'component:default/checkout',
      cursor: 'MjA',
      limit: '20',
    });
  });

  it('records a proposal with an Idempotency-Key and without deciders', async () => {
    const { api, calls } = client(() => json({ id: 'd1' }, 201));
    await api.recordDecision(
      {
        findingId: 'f1',
        title: 't',
        decision: 'd',
        rationale: 'r',
        status: 'accepted',
      },
      'key-1',
    );
    expect(calls[0].init.headers).toMatchObject({ 'Idempotency-Key': 'key-1' });
    expect(JSON.parse(String(calls[0].init.body))).not.toHaveProperty(
      'deciders',
    );
  });

  it('rejects with a ResponseError that keeps the status and Retry-After of a 429', async () => {
    const { api } = client(() =>
      json(
        {
          error: { name: 'Error', message: 'too many writes' },
          response: { statusCode: 429 },
        },
        429,
        { 'Retry-After': '7' },
      ),
    );
    const error = await api.signDecision('d1', 'accept').catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(429);
    expect(error.cause.message).toBe('too many writes');
    expect(error.response.headers.get('Retry-After')).toBe('7');
  });
});
