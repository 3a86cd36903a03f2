/*
 * Acceptance: the essay's contract blocks, through the parser and the engine, give the essay's
 * four discoveries in the essay's words.
 */
import fs from 'fs';
import path from 'path';
import { parse as parseYaml } from 'yaml';
import type { ContractSource, EntitySummary, Finding } from '../types';
import { parseEntityContract } from '../parser';
import { analyze } from './engine';
import {
  ESSAY_CONFIG,
  ESSAY_CONTRACTS,
  ESSAY_ENTITIES,
} from './__fixtures__/essay';

const lines = (text: string) =>
  text
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean);

/** Every line of the essay's block appears in the message, in order (a line may go on). */
function expectEssayBlock(message: string, block: string) {
  const got = lines(message);
  let at = 0;
  for (const want of lines(block)) {
    let i = at;
    while (i < got.length && !got[i].startsWith(want)) i++;
    expect({ want, found: i < got.length }).toEqual({ want, found: true });
    at = i + 1;
  }
}

function essayFindings(): Finding[] {
  const contracts = Object.entries(ESSAY_CONTRACTS).map(([ref, sources]) => {
    const { contract, problems } = parseEntityContract(ref, sources);
    expect(problems).toEqual([]);
    return contract;
  });
  return analyze({ entities: ESSAY_ENTITIES, contracts, config: ESSAY_CONFIG })
    .findings;
}

const C = 'component:default/';

describe('the essay catalog', () => {
  const findings = essayFindings();
  const find = (rule: string) => {
    const f = findings.filter(x => x.rule === rule);
    expect(f).toHaveLength(1);
    return f[0];
  };

  it('discovery 1: the performance cascade', () => {
    const f = find('latency-budget');
    expect(f).toMatchObject({
      severity: 'error',
      consumer: `${C}checkout`,
      provider: `${C}risk`,
      subject: 'scoreTransaction',
      title: 'Latency contract violation',
      expected: 'p95 < 200ms',
      actual: 'p95 = 3200ms (current)',
    });
    expectEssayBlock(
      f.message,
      `ERROR: Latency contract violation
  checkout expects: p95 < 200ms
  risk provides: p95 = 3200ms (current)

Status: BLOCKS_INTEGRATION
Action: Risk must implement caching before integration`,
    );
    expect(f.message).toContain('target p95 = 150ms');
  });

  it('discovery 2: data freshness', () => {
    const f = find('data-freshness');
    expect(f).toMatchObject({
      severity: 'error',
      consumer: `${C}risk`,
      provider: `${C}orders`,
      subject: 'user_purchases',
      expected: '<10s',
      resolutions: [
        'orders: Provide event stream (infrastructure)',
        'risk: Relax requirement (accuracy loss)',
        'risk: Alternative algorithm (redesign)',
      ],
    });
    expect(f.actual).toContain('15-30s');
    expect(f.actual).toContain('60s max');
    // The essay says "for velocity detection"; the contract says velocity_fraud_detection.
    expectEssayBlock(
      f.message.replace('velocity fraud detection\n', 'velocity detection\n'),
      `ERROR: Data freshness violation
  risk requires: <10s for velocity detection
  orders provides: 15-30s (replica lag)

Impact: Velocity fraud detection unreliable
Resolutions:
  1. orders: Provide event stream (infrastructure)
  2. risk: Relax requirement (accuracy loss)
  3. risk: Alternative algorithm (redesign)`,
    );
    expect(f.message).toContain('Status: BLOCKS_INTEGRATION');
  });

  it('discovery 3: retry semantics and idempotency', () => {
    const f = find('idempotency-key');
    expect(f).toMatchObject({
      severity: 'error',
      consumer: `${C}checkout`,
      provider: `${C}risk`,
      subject: 'scoreTransaction',
      impact: 'Duplicate processing, billing, audit logs',
    });
    expectEssayBlock(
      f.message,
      `ERROR: Idempotency contract violation
  checkout: generates new transaction_id on retry
  risk: expects stable transaction_id

Impact: Duplicate processing, billing, audit logs
Resolution: Preserve transaction_id OR use separate key`,
    );
  });

  it('discovery 4: observability vs security, a trade-off', () => {
    const f = find('access-policy');
    expect(f).toMatchObject({
      severity: 'tradeoff',
      consumer: `${C}support`,
      provider: `${C}risk`,
      subject: 'fraud_decision_breakdown',
      title: 'Data access policy conflict',
    });
    expect(f.deciders).toEqual([
      'group:default/product-team',
      'group:default/security-team',
      'group:default/support-team',
      'group:default/risk-team',
    ]);
    // The essay's "breakdown" / "detailed" are its shorthand for the named data and endpoint.
    expectEssayBlock(
      f.message,
      `TRADE-OFF: Data access policy conflict
  support needs: fraud_decision_breakdown at support_tier_2
  risk provides: aggregate (insufficient) OR
                full breakdown (requires risk_team_only)

Trade-off: Support workflow vs PII minimization
Decision required: Product + Security + Support`,
    );
    expect(f.message).toContain('Status: DECISION_REQUIRED');
  });

  it('finds exactly one more thing: checkout times out below risk’s tail', () => {
    expect(findings.map(f => f.rule).sort()).toEqual([
      'access-policy',
      'data-freshness',
      'idempotency-key',
      'latency-budget',
      'timeout-below-tail',
    ]);
    const f = find('timeout-below-tail');
    expect(f).toMatchObject({ severity: 'warning', provider: `${C}risk` });
    expect(f.impact).toContain('At least 50% of scoreTransaction calls');
  });
});

/** The example catalog of the repository, read as the CLI would: catalog-info.yaml + contracts/. */
function loadExampleCatalog(root: string) {
  const entities: EntitySummary[] = [];
  const contracts = [];
  for (const dir of fs.readdirSync(root)) {
    const info = path.join(root, dir, 'catalog-info.yaml');
    if (!fs.existsSync(info)) {
      continue;
    }
    for (const doc of fs
      .readFileSync(info, 'utf8')
      .split(/^---$/m)
      .map(t => parseYaml(t))
      .filter(Boolean)) {
      const kind = String(doc.kind).toLowerCase();
      const ns = doc.metadata.namespace ?? 'default';
      const ref = `${kind}:${ns}/${doc.metadata.name}`;
      entities.push({
        ref,
        kind: doc.kind,
        namespace: ns,
        name: doc.metadata.name,
        owner: doc.spec?.owner,
        system: doc.spec?.system,
        dependsOn: doc.spec?.dependsOn ?? [],
        dependencyOf: doc.spec?.dependencyOf ?? [],
      });
      const contractsDir = path.join(root, dir, 'contracts');
      if (
        doc.metadata.annotations?.['contracts.io/ref'] &&
        fs.existsSync(contractsDir)
      ) {
        const sources: ContractSource[] = fs
          .readdirSync(contractsDir)
          .filter(f => f.endsWith('.yaml'))
          .sort()
          .map(f => ({
            file: `contracts/${f}`,
            text: fs.readFileSync(path.join(contractsDir, f), 'utf8'),
          }));
        contracts.push(parseEntityContract(ref, sources).contract);
      }
    }
  }
  return { entities, contracts };
}

const examples = path.resolve(__dirname, '../../../../examples');
const describeExamples = fs.existsSync(path.join(examples, 'risk', 'contracts'))
  ? describe
  : describe.skip;

describeExamples('the example catalog of the repository', () => {
  it('yields the same findings as the essay blocks', () => {
    const { entities, contracts } = loadExampleCatalog(examples);
    const got = analyze({ entities, contracts, config: ESSAY_CONFIG }).findings;
    const key = (f: Finding) => [
      f.rule,
      f.consumer,
      f.provider,
      f.subject,
      f.severity,
      f.message,
    ];
    expect(got.map(key)).toEqual(essayFindings().map(key));
  });
});
