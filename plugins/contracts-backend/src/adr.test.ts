import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import type {
  ContractsReport,
  Finding,
} from '@backstage-contracts/plugin-contracts-common';
// The CLI's entry point without running it (its index runs the process's arguments; the
// package exports nothing else).
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { main as contracts } from '../../../packages/contracts-cli/src/main';
import frontMatter from 'front-matter';
import { DateTime } from 'luxon';
import request from 'supertest';
import {
  as,
  startContractsBackend,
  USERS,
} from './__testUtils__/contractsBackend';
import { loadExampleEntities } from './__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from './__testUtils__/mockUserActor';

jest.setTimeout(120_000);
giveMockUsersAnActor();

const { GUEST, BOB, SAM } = USERS;
const EXAMPLES = path.resolve(__dirname, '../../../examples');

/**
 * How the community ADR plugin reads a file (`@backstage-community/plugin-adr-common`, not on
 * this registry): it lists files matching `madrFilePathFilter` and parses each with
 * `parseMadrWithFrontmatter` — the `front-matter` package, the date through luxon as
 * `yyyy-MM-dd`. The same libraries, the same steps.
 */
const madrFilePathFilter = (p: string) => /^(?:.*\/)?\d{4}-.+\.md$/.test(p);
function parseMadrWithFrontmatter(content: string) {
  const parsed = frontMatter<Record<string, unknown>>(content);
  const { status, date } = parsed.attributes;
  return {
    content: parsed.body,
    status: status ? String(status) : undefined,
    date: date
      ? String(DateTime.fromJSDate(new Date(`${date}`)).toISODate())
      : undefined,
    attributes: parsed.attributes,
  };
}

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await contracts(['node', 'contracts', ...args], {
    stdout: t => {
      stdout += t;
    },
    stderr: t => {
      stderr += t;
    },
    cwd,
    env: {},
    isTTY: false,
    now: Date.parse('2027-06-01T00:00:00Z'),
  });
  return { code, stdout, stderr };
}

describe('a decision as an ADR file (MADR 4)', () => {
  let examples: Entity[];
  beforeAll(async () => {
    examples = await loadExampleEntities();
  });

  it('exports NNNN-title.md that the ADR plugin parses, and contracts check --decisions DIR honours', async () => {
    const { server } = await startContractsBackend({ entities: examples });
    const findings = await request(server)
      .get('/api/contracts/findings?rule=access-policy')
      .set(as(GUEST));
    const access = findings.body.items[0] as Finding;
    const recorded = await request(server)
      .post('/api/contracts/decisions')
      .set(as(GUEST))
      .send({
        findingId: access.id,
        title: 'Support reads a summary through risk',
        decision: 'summary endpoint',
        rationale: 'keeps PII with the risk team',
        status: 'accepted',
        reviewBy: '2030-01-01',
      });
    expect(recorded.status).toBe(201);
    const id = recorded.body.id as string;
    for (const user of [BOB, SAM]) {
      await request(server)
        .post(`/api/contracts/decisions/${id}/signatures`)
        .set(as(user))
        .send({ verdict: 'accept' })
        .expect(200);
    }

    const res = await request(server)
      .get(`/api/contracts/decisions/${id}/adr`)
      .set(as(GUEST));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/markdown/);
    const name = /filename="([^"]+)"/.exec(
      res.headers['content-disposition'],
    )?.[1];
    expect(name).toBe('0001-support-reads-a-summary-through-risk.md');
    expect(madrFilePathFilter(`docs/adr/${name}`)).toBe(true);

    const adr = parseMadrWithFrontmatter(res.text);
    const today = new Date().toISOString().slice(0, 10);
    expect(adr.status).toBe('accepted');
    expect(adr.date).toBe(today);
    expect(adr.content).toMatch(/^\n?# Support reads a summary through risk$/m);
    expect(adr.attributes).toMatchObject({
      'decision-makers': access.deciders,
      finding: `access-policy: ${access.consumer} → ${access.provider} (${access.subject})`,
      fingerprint: access.id,
      'evidence-hash': access.evidence,
    });
    // unquoted yyyy-MM-dd: a date to YAML 1.1 parsers such as the ADR plugin's
    expect(
      new Date(`${adr.attributes['review-by']}`).toISOString().slice(0, 10),
    ).toBe('2030-01-01');

    // the number asked for; a number that is none is a 400
    const numbered = await request(server)
      .get(`/api/contracts/decisions/${id}/adr?number=12`)
      .set(as(GUEST));
    expect(numbered.headers['content-disposition']).toContain(
      'filename="0012-support-reads-a-summary-through-risk.md"',
    );
    for (const bad of ['0', 'x', '1.5']) {
      expect(
        (
          await request(server)
            .get(`/api/contracts/decisions/${id}/adr?number=${bad}`)
            .set(as(GUEST))
        ).status,
      ).toBe(400);
    }

    // committed next to the contracts, the file accepts the trade-off in CI
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-adr-'));
    try {
      const dir = path.join(repo, 'docs/decisions');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, name!), res.text);
      fs.writeFileSync(
        path.join(dir, '0002-use-postgres.md'),
        '---\nstatus: accepted\ndate: 2026-01-01\n---\n# Use PostgreSQL\n',
      );
      const statusOf = (stdout: string) =>
        (JSON.parse(stdout) as ContractsReport).findings.find(
          f => f.id === access.id,
        )?.status;
      const without = await cli(['check', EXAMPLES, '--format', 'json'], repo);
      expect(statusOf(without.stdout)).toBe('open');
      const withAdr = await cli(
        ['check', EXAMPLES, '--decisions', 'docs/decisions', '--format', 'json'],
        repo,
      );
      expect(withAdr.stderr).toBe('');
      expect(statusOf(withAdr.stdout)).toBe('accepted');
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });
});
