import type { Entity } from '@backstage/catalog-model';
import {
  compareFindings,
  type Finding,
} from '@backstage-contracts/plugin-contracts-common';
import request from 'supertest';
import {
  as,
  startContractsBackend,
  USERS,
} from '../__testUtils__/contractsBackend';
import { loadExampleEntities } from '../__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from '../__testUtils__/mockUserActor';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';

jest.setTimeout(120_000);
giveMockUsersAnActor();

const databases = sqliteAndPostgres();
const { GUEST, BOB, SAM } = USERS;
const SEVERITIES = ['error', 'warning', 'tradeoff', 'info'];

/*
 * The bodies made for who may read every entity (GET /findings without a filter, GET /graph
 * without a query) are made from the findings' text and columns, not from the findings parsed:
 * they are held against what the filtered routes make from every finding parsed.
 */
describe.each(databases.eachSupportedId())(
  'the whole report and graph on %p',
  id => {
    let examples: Entity[];
    beforeAll(async () => {
      examples = await loadExampleEntities();
    });

    it('are the same as every finding parsed, with its decision status, before and after decisions', async () => {
      const knex = await databases.init(id);
      const { server } = await startContractsBackend({
        entities: examples,
        knex,
      });
      const get = async (path: string) => {
        const res = await request(server).get(path).set(as(GUEST));
        expect(res.status).toBe(200);
        return res;
      };
      /** The whole report's findings, page after page, and its first page. */
      const wholeReport = async (limit: number) => {
        const items: Finding[] = [];
        let first: any;
        let cursor = '';
        do {
          const res = await get(
            `/api/contracts/findings?limit=${limit}${
              cursor ? `&cursor=${cursor}` : ''
            }`,
          );
          first ??= res.body;
          items.push(...res.body.items);
          cursor = res.body.nextCursor;
        } while (cursor);
        return { first, items };
      };
      /** The report from the filtered route (every finding parsed), one severity at a time. */
      const bySeverity = async () => {
        const items: Finding[] = [];
        const counts: Record<string, number> = {};
        let body: any;
        for (const severity of SEVERITIES) {
          body = (await get(`/api/contracts/findings?severity=${severity}`))
            .body;
          items.push(...body.items);
          counts[severity] = body.items.length;
        }
        return { items: items.sort(compareFindings), counts, body };
      };
      const check = async () => {
        const expected = await bySeverity();
        for (const limit of [200, 4]) {
          const whole = await wholeReport(limit);
          expect(JSON.stringify(whole.items)).toBe(
            JSON.stringify(expected.items),
          );
          expect(whole.first.summary).toEqual({
            ...expected.body.summary,
            findings: expected.counts,
          });
          expect(whole.first.problems).toEqual(expected.body.problems);
        }
        const graph = await get('/api/contracts/graph');
        // the findings in the graph's order (the engine's, the report's)
        expect(graph.text).toContain(
          `,"findings":${JSON.stringify(expected.items)},"stale":`,
        );
        expect(JSON.parse(graph.text).findings).toEqual(expected.items);
        return expected.items;
      };

      const before = await check();
      expect(before.every(f => f.status === 'open')).toBe(true);
      const access = before.find(f => f.rule === 'access-policy')!;
      const latency = before.find(f => f.rule === 'latency-budget')!;
      const body = {
        title: 'Support reads the breakdown through risk',
        decision: 'summary endpoint',
        rationale: 'keeps PII with the risk team',
        reviewBy: '2999-12-31',
      };
      // a decision still proposed (its finding open) and one accepted
      const proposed = await request(server)
        .post('/api/contracts/decisions')
        .set(as(BOB))
        .send({ ...body, findingId: latency.id });
      expect(proposed.status).toBe(201);
      const accepted = await request(server)
        .post('/api/contracts/decisions')
        .set(as(GUEST))
        .send({ ...body, findingId: access.id, status: 'accepted' });
      for (const user of [BOB, SAM]) {
        await request(server)
          .post(`/api/contracts/decisions/${accepted.body.id}/signatures`)
          .set(as(user))
          .send({ verdict: 'accept' });
      }
      const after = await check();
      expect(after.find(f => f.id === access.id)?.status).toBe('accepted');
      expect(after.find(f => f.id === latency.id)?.status).toBe('open');
    });
  },
);
