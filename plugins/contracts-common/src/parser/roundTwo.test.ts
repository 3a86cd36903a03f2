/*
 * The forms added in round two (issue 15): `retry` as a mapping, `availability`, and
 * `purposes` / `allowed_use` (with `pii` and `access` on datasets).
 */
import Ajv from 'ajv';
import { parseDocument } from 'yaml';
import type { ContractSource } from '../types';
import {
  parseEntityContract,
  parseEntityContractOnPath,
} from './parseEntityContract';
import { contractDocumentSchema } from './schema';

const ORDERS = 'component:default/orders';

function parse(text: string, ...more: string[]) {
  const sources: ContractSource[] = [text, ...more].map((t, i) => ({
    file: `contracts/${i}.yaml`,
    text: t,
  }));
  return parseEntityContract(ORDERS, sources);
}

const editor = new Ajv({ allErrors: true, strict: false }).compile(
  contractDocumentSchema,
);

describe('retry written as a mapping (issue 15, case 1)', () => {
  const TEXT = `service: orders
depends_on:
  - service: inventory
    operation: reserve
    timeout: 300ms
    retry: { max_attempts: 3, backoff: exponential, per_try_timeout: 100ms, retry_on: [5xx, reset] }
  - service: payment
    retry:
      max_attempts: 2
`;

  it('is read, as retry_policies[] writes it, with per_try_timeout and retry_on', () => {
    const { contract, problems } = parse(TEXT);
    expect(problems).toEqual([]);
    expect(contract.dependsOn[0].retry).toEqual({
      raw: '{ max_attempts: 3, backoff: exponential, per_try_timeout: 100ms, retry_on: [5xx, reset] }',
      maxAttempts: 3,
      backoff: 'exponential',
      perTryTimeoutMs: 100,
      retryOn: ['5xx', 'reset'],
    });
    expect(contract.dependsOn[1].retry).toEqual({
      raw: '{ max_attempts: 2 }',
      maxAttempts: 2,
    });
    // the fast path reads it the same
    expect(
      parseEntityContractOnPath('fast', ORDERS, [
        { file: 'c.yaml', text: TEXT },
      ])?.contract.dependsOn.map(d => d.retry),
    ).toEqual(contract.dependsOn.map(d => d.retry));
  });

  it('is valid for editors, and the JSON Schema names the forms', () => {
    expect(editor(parseDocument(TEXT).toJS())).toBe(true);
    const retry = (contractDocumentSchema.definitions as any).retry;
    expect(retry.description).toMatch(/max_attempts/);
    expect(retry.anyOf.map((b: { type: string }) => b.type)).toEqual([
      'string',
      'integer',
      'object',
    ]);
  });

  it('reports each wrong key or value where it is written', () => {
    const { contract, problems } = parse(`depends_on:
  - service: inventory
    retry: { max_attempts: 0, per_try_timeout: soon, retry_onn: [5xx] }
  - service: payment
    retry: {}
`);
    expect(problems.map(p => [p.path, p.line, p.message])).toEqual([
      [
        'depends_on[0].retry.max_attempts',
        3,
        expect.stringMatching(/not a whole number of attempts/),
      ],
      [
        'depends_on[0].retry.per_try_timeout',
        3,
        expect.stringMatching(/duration/),
      ],
      [
        'depends_on[0].retry.retry_onn',
        3,
        expect.stringMatching(/did you mean `retry_on`/),
      ],
      ['depends_on[1].retry', 5, expect.stringMatching(/empty mapping/)],
    ]);
    // the dependencies stay, without the values that did not read
    expect(contract.dependsOn.map(d => d.service)).toEqual([
      'inventory',
      'payment',
    ]);
  });
});

describe('availability', () => {
  it('is read at the top of a document and on a provided operation', () => {
    const { contract, problems } = parse(`service: orders
availability: 99.9%
provides:
  - operation: placeOrder
    availability: 99.95 %
  - operation: listOrders
`);
    expect(problems).toEqual([]);
    expect(contract.availability).toMatchObject({
      percent: 99.9,
      raw: '99.9%',
      loc: { line: 2, path: 'availability' },
    });
    expect(contract.operations.map(o => o.availability?.percent)).toEqual([
      99.95,
      undefined,
    ]);
  });

  it('reports values that are not percentages, and contradictions between documents', () => {
    const { problems } = parse(
      `availability: 0.999
provides:
  - operation: placeOrder
    availability: high
  - endpoint: /orders
    availability: 99%
`,
      'availability: 99.9%\n',
      'availability: 99.5%\n',
    );
    expect(problems.map(p => [p.file, p.path, p.message])).toEqual([
      [
        'contracts/0.yaml',
        'availability',
        expect.stringMatching(/ambiguous.*99\.9%/),
      ],
      [
        'contracts/0.yaml',
        'provides[0].availability',
        expect.stringMatching(/expected a percentage such as `99\.95%`/),
      ],
      [
        'contracts/0.yaml',
        'provides[1].availability',
        '`availability` applies to an `operation` item only',
      ],
      [
        'contracts/2.yaml',
        'availability',
        expect.stringMatching(
          /`99\.5%` here but `99\.9%` at contracts\/1\.yaml/,
        ),
      ],
    ]);
  });
});

describe('purposes / allowed_use, and pii and access on datasets', () => {
  it('are read on endpoints and datasets under either name', () => {
    const { contract, problems } = parse(`provides:
  - endpoint: /signals
    data: [fraud_signals]
    access: risk_team_only
    purposes: [fraud_detection, model_training]
  - dataset: risk_profiles
    pii: high
    access: analytics_only
    allowed_use: fraud_detection
`);
    expect(problems).toEqual([]);
    expect(contract.endpoints[0].allowedUse).toEqual([
      'fraud_detection',
      'model_training',
    ]);
    expect(contract.datasets[0]).toMatchObject({
      pii: 'high',
      access: 'analytics_only',
      allowedUse: ['fraud_detection'],
    });
  });

  it('reports both names at once, and restrictions on an operation', () => {
    const { problems } = parse(`provides:
  - dataset: risk_profiles
    purposes: [a]
    allowed_use: [b]
  - operation: score
    pii: high
`);
    expect(problems.map(p => [p.path, p.message])).toEqual([
      [
        'provides[0].allowed_use',
        '`purposes` and `allowed_use` are the same list: write one of them',
      ],
      [
        'provides[1].pii',
        '`pii` applies to an `endpoint` or `dataset` item only',
      ],
    ]);
  });
});
