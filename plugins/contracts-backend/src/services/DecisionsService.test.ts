import { mockServices } from '@backstage/backend-test-utils';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import { DatabaseDecisionsStore } from '../database/DatabaseDecisionsStore';
import type { NewDecision } from '../database/DecisionsStore';
import { DecisionsService } from './DecisionsService';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';

jest.setTimeout(60_000);

const databases = sqliteAndPostgres();

const SECURITY = 'group:default/security-team';
const base: NewDecision = {
  findingId: 'f-1',
  evidenceHash: 'e-1',
  rule: 'access-policy',
  consumer: 'component:default/support',
  provider: 'component:default/risk',
  subject: 'breakdown',
  title: 'Summary endpoint',
  decision: 'summary',
  rationale: 'PII stays with risk',
  deciders: [SECURITY],
  status: 'proposed',
  recordedBy: 'user:default/guest',
};
const finding = { id: 'f-1', evidence: 'e-1' } as Finding;

describe.each(databases.eachSupportedId())('DecisionsService on %p', id => {
  /** Two replicas on one database. */
  async function replicas() {
    const knex = await databases.init(id);
    const store = await DatabaseDecisionsStore.create({
      database: mockServices.database({ knex }),
    });
    const make = () =>
      new DecisionsService({
        store,
        logger: mockServices.logger.mock(),
        gapRecheckMs: 50,
      });
    return { knex, a: make(), b: make() };
  }

  it("follows the other replica's records, signatures, supersedes and withdrawals by the change log", async () => {
    const { a, b } = await replicas();
    await b.sync();
    const { decision } = await a.create(base);
    await b.sync();
    expect(b.forFinding('f-1').map(d => d.id)).toEqual([decision.id]);
    expect(b.withStatus([finding])[0].status).toBe('open');
    const versionBefore = b.version;

    await a.sign(decision.id, [
      { decider: SECURITY, verdict: 'accept', signedBy: 'user:default/sam' },
    ]);
    await b.sync();
    expect(b.version).toBeGreaterThan(versionBefore);
    expect(b.withStatus([finding])[0].status).toBe('accepted');

    const { decision: next } = await a.create({
      ...base,
      supersedes: decision.id,
    });
    await b.sync();
    expect(b.forFinding('f-1').map(d => [d.id, d.status])).toEqual([
      [decision.id, 'superseded'],
      [next.id, 'proposed'],
    ]);
    expect(b.current(['f-1'])).toEqual({
      decisions: [expect.objectContaining({ id: next.id })],
      count: 2,
    });
    expect(b.withStatus([finding])[0].status).toBe('open');

    await a.withdraw(next.id, 'user:default/guest');
    await b.sync();
    expect(b.current(['f-1'])).toEqual({ decisions: [], count: 2 });
    // nothing new: a sync reads nothing and changes nothing
    const v = b.version;
    await b.sync();
    expect(b.version).toBe(v);
  });

  /** A record written on A and read by B; `signAt(k)` adds a signature event at its seq + k. */
  async function recordWithEvents() {
    const { knex, a, b } = await replicas();
    const { decision } = await a.create(base);
    await b.sync();
    const [{ seq }] = await knex('contracts_decision_events').max({
      seq: 'seq',
    });
    const signAt = (offset: number, at = new Date()) =>
      knex('contracts_decision_events').insert({
        seq: Number(seq) + offset,
        decision_id: decision.id,
        finding_id: 'f-1',
        kind: 'signed',
        decider: SECURITY,
        actor: 'user:default/sam',
        at: at.toISOString(),
        verdict: 'reject',
      });
    return { b, signAt };
  }

  it('picks up a write that committed after a later one (a hole in the sequence)', async () => {
    const { b, signAt } = await recordWithEvents();
    // a write with a later seq committed first; the one before it commits afterwards
    await signAt(2);
    await b.sync();
    expect(b.forFinding('f-1')[0].status).toBe('rejected');
    await signAt(1, new Date(Date.now() - 1000));
    await b.sync();
    expect(b.forFinding('f-1')[0].signatures).toHaveLength(2);
  });

  it('looks again for a hole soon by itself, without waiting for the next periodic sync', async () => {
    const { b, signAt } = await recordWithEvents();
    await signAt(2);
    await b.sync(); // finds the hole at seq + 1
    expect(b.forFinding('f-1')[0].signatures).toHaveLength(1);
    await signAt(1);
    // no further sync() from here: the replica's own follow-up reads the hole
    for (let i = 0; i < 100; i++) {
      if (b.forFinding('f-1')[0].signatures.length === 2) break;
      await new Promise(r => setTimeout(r, 50));
    }
    expect(b.forFinding('f-1')[0].signatures).toHaveLength(2);
  });
});
