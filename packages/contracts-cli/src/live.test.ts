import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Entity } from '@backstage/catalog-model';
import {
  type ContractsReport,
  isDiscoverReport,
} from '@backstage-contracts/plugin-contracts-common';
import { CONTRACTS_RESOLVED_ANNOTATION } from './catalog/live';
import { copyExamples, EXAMPLES, resolveLatency, run } from './__testUtils__/testing';

/** The example catalog as a live catalog serves it: refs resolved by the catalog module. */
function catalogEntities(): Entity[] {
  const files = [
    'org.yaml',
    'system.yaml',
    ...['checkout', 'risk', 'orders', 'payment', 'support', 'data-platform'].map(
      d => `${d}/catalog-info.yaml`,
    ),
  ];
  const entities: Entity[] = [];
  for (const file of files) {
    const full = path.join(EXAMPLES, file);
    for (const doc of parseAllDocuments(fs.readFileSync(full, 'utf8'))) {
      const entity = doc.toJS() as Entity;
      const ref = entity.metadata.annotations?.['contracts.io/ref'];
      if (ref === 'dir:./contracts') {
        const dir = path.join(path.dirname(full), 'contracts');
        const texts = fs
          .readdirSync(dir)
          .sort()
          .map(name => ({
            file: `contracts/${name}`,
            text: fs.readFileSync(path.join(dir, name), 'utf8'),
          }));
        // as the catalog module does: YAML documents, and discover reports beside them
        const sources = texts.filter(t => /\.ya?ml$/.test(t.file));
        const discovered = texts.filter(t => isDiscoverReport(t.file, t.text));
        // one entity keeps its ref unresolved: reported as a problem
        if (entity.metadata.name !== 'support') {
          entity.metadata.annotations![CONTRACTS_RESOLVED_ANNOTATION] =
            JSON.stringify({
              sources,
              ...(discovered.length ? { discovered } : {}),
            });
        }
      }
      entities.push(entity);
    }
  }
  return entities;
}

describe('contracts check --catalog-url', () => {
  let server: http.Server;
  let url: string;
  const seen: Array<{ path: string; auth?: string }> = [];

  beforeAll(async () => {
    const entities = catalogEntities();
    server = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://localhost');
      seen.push({ path: u.pathname, auth: req.headers.authorization });
      if (req.headers.authorization !== 'Bearer secret') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { name: 'AuthenticationError', message: 'Missing credentials' } }));
        return;
      }
      if (u.pathname !== '/api/catalog/entities/by-query') {
        res.writeHead(404).end();
        return;
      }
      // two pages, to follow the cursor
      const page = u.searchParams.get('cursor') === 'page-2' ? 1 : 0;
      const half = Math.ceil(entities.length / 2);
      const items = page === 0 ? entities.slice(0, half) : entities.slice(half);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          items,
          totalItems: entities.length,
          pageInfo: page === 0 ? { nextCursor: 'page-2' } : {},
        }),
      );
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  it('reads the live catalog with the token from BACKSTAGE_TOKEN', async () => {
    const { code, stdout, stderr } = await run(
      ['check', '--catalog-url', url, '--format', 'json'],
      { env: { BACKSTAGE_TOKEN: 'secret' } },
    );
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.findings.map(f => f.rule)).toEqual(
      expect.arrayContaining(['latency-budget', 'data-freshness', 'idempotency-key']),
    );
    expect(report.problems).toEqual([
      expect.objectContaining({
        entity: 'component:default/support',
        message: expect.stringContaining('could not be resolved'),
      }),
    ]);
    expect(seen.filter(s => s.path === '/api/catalog/entities/by-query')).toHaveLength(2);
    expect(seen.every(s => s.auth === 'Bearer secret')).toBe(true);
  });

  it('lays local changed files over the live catalog', async () => {
    const copy = copyExamples();
    resolveLatency(copy);
    const { stdout } = await run(
      [
        'check',
        path.join(copy, 'risk'),
        path.join(copy, 'support'),
        '--catalog-url',
        url,
        '--token',
        'secret',
        '--format',
        'json',
      ],
    );
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.findings.some(f => f.rule === 'latency-budget')).toBe(false);
    expect(report.findings.map(f => f.rule)).toEqual(
      expect.arrayContaining(['data-freshness', 'idempotency-key', 'access-policy']),
    );
    expect(report.problems).toEqual([]);
  });

  it('fails with one line and exit 2 when the catalog refuses the token', async () => {
    const { code, stderr } = await run(['check', '--catalog-url', url, '--token', 'wrong']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^contracts: cannot read the catalog at http:\/\/127\.0\.0\.1:\d+: [^\n]+\n$/);
  });
});
