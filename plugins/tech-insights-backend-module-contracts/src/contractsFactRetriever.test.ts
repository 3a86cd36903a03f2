import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createContractsFactRetriever } from './contractsFactRetriever';

/*
 * The retriever against a small HTTP stand-in of the contracts API: the edge cases the real
 * backend (module.test.ts) does not reach on demand — a graph not computed yet, pages, a history
 * that cannot be read.
 */

type Routes = Record<string, (url: URL) => { status?: number; body: unknown }>;

async function serve(routes: Routes) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push(`${url.pathname}${url.search}`);
    const route = routes[url.pathname];
    const answer = route ? route(url) : { status: 404, body: {} };
    res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, seen, baseUrl: `http://127.0.0.1:${port}/api/contracts` };
}

function context(baseUrl: string) {
  const logger = mockServices.logger.mock();
  return {
    logger,
    ctx: {
      config: new ConfigReader({}),
      logger,
      auth: mockServices.auth(),
      urlReader: mockServices.urlReader.mock(),
      discovery: {
        getBaseUrl: async () => baseUrl,
        getExternalBaseUrl: async () => baseUrl,
      },
    },
  };
}

const finding = (id: string, over: object) => ({
  id,
  rule: 'access-policy',
  severity: 'tradeoff',
  status: 'open',
  consumer: 'component:default/support',
  provider: 'component:default/risk',
  subject: 's',
  title: 't',
  evidence: 'e',
  ...over,
});

describe('createContractsFactRetriever', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('stores nothing while the contracts graph is not computed', async () => {
    const { server, baseUrl, seen } = await serve({
      '/api/contracts/graph': () => ({ body: { nodes: [], computedAt: null } }),
    });
    close = () => server.close();
    const { ctx, logger } = context(baseUrl);
    expect(await createContractsFactRetriever().handler(ctx)).toEqual([]);
    expect(logger.warn).toHaveBeenCalled();
    expect(seen).toEqual(['/api/contracts/graph']);
  });

  it('reads every page, and a history that fails leaves only that entity’s age unknown', async () => {
    const now = new Date('2026-12-20T00:00:00Z');
    const { server, baseUrl } = await serve({
      '/api/contracts/graph': () => ({
        body: {
          computedAt: '2026-12-01T00:00:00Z',
          nodes: [
            {
              ref: 'component:default/support',
              kind: 'Component',
              name: 'support',
              hasContract: true,
            },
            {
              ref: 'component:default/risk',
              kind: 'Component',
              name: 'risk',
              hasContract: true,
            },
            {
              ref: 'component:default/other',
              kind: 'Component',
              name: 'other',
              hasContract: false,
            },
          ],
        },
      }),
      '/api/contracts/findings': url =>
        url.searchParams.get('cursor')
          ? {
              body: {
                items: [
                  finding('e1', {
                    rule: 'latency-budget',
                    severity: 'error',
                    consumer: 'component:default/other',
                  }),
                ],
                problems: [],
              },
            }
          : {
              body: {
                items: [finding('t1', {})],
                problems: [
                  { entity: 'component:default/risk', path: '', message: 'm' },
                ],
                nextCursor: 'page2',
              },
            },
      '/api/contracts/decisions': () => ({ body: { items: [] } }),
      // risk's history answers, support's fails
      '/api/contracts/entities/component/default/risk/history': () => ({
        body: {
          items: [
            {
              type: 'change',
              id: '1',
              at: '2026-12-05T00:00:00Z',
              contracts: [],
              findings: [{ change: 'opened', finding: { id: 't1' } }],
            },
          ],
        },
      }),
      '/api/contracts/entities/component/default/support/history': () => ({
        status: 500,
        body: { error: { name: 'Error', message: 'boom' } },
      }),
    });
    close = () => server.close();
    const { ctx, logger } = context(baseUrl);
    const facts = await createContractsFactRetriever({
      now: () => now,
    }).handler(ctx);
    const byName = Object.fromEntries(facts.map(f => [f.entity.name, f.facts]));
    expect(byName.risk).toEqual(
      expect.objectContaining({
        undecidedTradeoffs: 1,
        oldestUndecidedTradeoffDays: 15,
        undecidedTradeoffsOfUnknownAge: 0,
        contractProblems: 1,
      }),
    );
    expect(byName.support).toEqual(
      expect.objectContaining({
        undecidedTradeoffs: 1,
        oldestUndecidedTradeoffDays: 0,
        undecidedTradeoffsOfUnknownAge: 1,
      }),
    );
    // the second page's finding counted
    expect(byName.other).toEqual(
      expect.objectContaining({ hasContracts: false, openErrors: 1 }),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      'Contracts history could not be read',
      expect.objectContaining({ entity: 'component:default/support' }),
    );
  });
});
