/*
 * Gateway timeouts and retries in an API entity's OpenAPI definition (Google API Gateway /
 * Cloud Endpoints `x-google-backend`, AWS API Gateway `x-amazon-apigateway-integration`, Kong's
 * `x-kong-service-defaults`) are the API's calls to its provider, marked imported; the
 * existing rules judge them.
 */
import { analyze } from '../engine';
import { parseEntityContract } from '../parser';
import type { EntitySummary } from '../types';

const API = 'api:default/risk-api';
const PROVIDER = 'component:default/risk';

function parsed(text: string, provided = true) {
  return parseEntityContract(API, [
    {
      file: 'spec.definition',
      text,
      format: 'openapi',
      ...(provided ? { provider: PROVIDER } : {}),
    },
  ]);
}

// Written from Google's API Gateway / Cloud Endpoints documentation of x-google-backend.
const GOOGLE = `swagger: '2.0'
info: { title: Risk API, version: 1.0.0 }
x-google-backend:
  address: https://risk.internal.example
  deadline: 5.0
paths:
  /score:
    post:
      operationId: scoreTransaction
      x-google-backend:
        address: https://risk.internal.example/score
        deadline: 2.0
      responses: { '200': { description: scored } }
  /decisions:
    get:
      operationId: listDecisions
      responses: { '200': { description: decisions } }
`;

describe('OpenAPI gateway extensions', () => {
  it('reads x-google-backend.deadline per operation, the document level as the fallback', () => {
    const { contract, problems } = parsed(GOOGLE);
    expect(problems).toEqual([]);
    expect(
      contract.dependsOn.map(d => [d.ref, d.service, d.operation, d.timeoutMs]),
    ).toEqual([
      [PROVIDER, 'risk', 'scoreTransaction', 2000],
      [PROVIDER, 'risk', 'listDecisions', 5000],
    ]);
    expect(contract.dependsOn[0].imported?.timeout).toMatchObject({
      format: 'openapi',
      file: 'spec.definition',
      line: 12,
      path: 'paths."/score".post.x-google-backend.deadline',
    });
    expect(contract.dependsOn[1].imported?.timeout).toMatchObject({
      line: 5,
      path: 'x-google-backend.deadline',
    });
  });

  it('imports no number for a gateway default (x-google-backend without deadline)', () => {
    const { contract, problems } = parsed(
      GOOGLE.replace('  deadline: 5.0\n', '').replace(
        '        deadline: 2.0\n',
        '',
      ),
    );
    expect(problems).toEqual([]);
    expect(contract.dependsOn).toEqual([]);
    expect(contract.operations.map(o => o.name)).toEqual([
      'scoreTransaction',
      'listDecisions',
    ]);
  });

  it('reads x-amazon-apigateway-integration.timeoutInMillis (ms), absent: the default, not imported', () => {
    const { contract, problems } = parsed(`openapi: 3.0.1
info: { title: Risk API, version: 1.0.0 }
paths:
  /score:
    post:
      operationId: scoreTransaction
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: POST
        uri: https://risk.internal.example/score
        timeoutInMillis: 1500
  /decisions:
    get:
      operationId: listDecisions
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://risk.internal.example/decisions
`);
    expect(problems).toEqual([]);
    expect(contract.dependsOn).toEqual([
      expect.objectContaining({
        operation: 'scoreTransaction',
        timeoutMs: 1500,
        imported: {
          timeout: expect.objectContaining({
            line: 11,
            path: 'paths."/score".post.x-amazon-apigateway-integration.timeoutInMillis',
          }),
        },
      }),
    ]);
  });

  it("reads Kong's x-kong-service-defaults read_timeout and retries, the nearest level winning", () => {
    const { contract, problems } = parsed(`openapi: 3.0.0
info: { title: Risk API, version: 1.0.0 }
x-kong-service-defaults:
  retries: 3
  connect_timeout: 1000
  read_timeout: 4000
  write_timeout: 4000
paths:
  /score:
    x-kong-service-defaults:
      retries: 0
      read_timeout: 800
    post:
      operationId: scoreTransaction
  /decisions:
    get:
      operationId: listDecisions
`);
    expect(problems).toEqual([]);
    expect(
      contract.dependsOn.map(d => [d.operation, d.timeoutMs, d.retry]),
    ).toEqual([
      [
        'scoreTransaction',
        800,
        { raw: '1', maxAttempts: 1, perTryTimeoutMs: 800 },
      ],
      [
        'listDecisions',
        4000,
        { raw: '4', maxAttempts: 4, perTryTimeoutMs: 4000 },
      ],
    ]);
    expect(contract.dependsOn[1].imported?.retry).toMatchObject({
      line: 4,
      path: 'x-kong-service-defaults.retries',
    });
  });

  it('reports strings, negatives and fractions as located problems, once per extension', () => {
    const { contract, problems } = parsed(`openapi: 3.0.0
info: { title: Risk API, version: 1.0.0 }
x-kong-service-defaults:
  retries: -1
  read_timeout: "60s"
  connect_timeout: 1.5
paths:
  /score:
    post:
      operationId: scoreTransaction
      x-google-backend: { deadline: "2s" }
  /refunds:
    post:
      operationId: refund
      x-amazon-apigateway-integration: { timeoutInMillis: -5 }
  /other:
    get:
      operationId: other
`);
    expect(problems.map(p => [p.line, p.path, p.message])).toEqual([
      [
        4,
        'x-kong-service-defaults.retries',
        'Kong `retries`: expected a whole number ≥ 0, got -1',
      ],
      [
        5,
        'x-kong-service-defaults.read_timeout',
        'Kong `read_timeout` (ms): expected a whole number > 0, got the text `60s`',
      ],
      [
        6,
        'x-kong-service-defaults.connect_timeout',
        'Kong `connect_timeout` (ms): expected a whole number > 0, got 1.5',
      ],
      [
        11,
        'paths."/score".post.x-google-backend.deadline',
        '`x-google-backend.deadline` (seconds): expected a number > 0, got the text `2s`',
      ],
      [
        15,
        'paths."/refunds".post.x-amazon-apigateway-integration.timeoutInMillis',
        '`x-amazon-apigateway-integration.timeoutInMillis`: expected a whole number > 0, got -5',
      ],
    ]);
    expect(contract.dependsOn).toEqual([]);
    expect(contract.operations).toHaveLength(3);
  });

  it('reports a gateway timeout of an API no component provides, once', () => {
    const { contract, problems } = parsed(GOOGLE, false);
    expect(contract.dependsOn).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        line: 9,
        path: 'paths."/score".post',
        message: expect.stringContaining('no component provides this API'),
      }),
    ]);
  });
});

const summary = (ref: string): EntitySummary => {
  const [kind, rest] = ref.split(':');
  const name = rest.split('/')[1];
  return {
    ref,
    kind,
    namespace: 'default',
    name,
    owner: 'group:default/risk-team',
    dependsOn: [],
    dependencyOf: [],
  };
};

function findings(deadline: string) {
  const contracts = [
    parsed(GOOGLE.replace('deadline: 2.0', `deadline: ${deadline}`)),
    parseEntityContract(PROVIDER, [
      {
        file: 'sla.yaml',
        text: `provides:
  - operation: scoreTransaction
    latency: { current: "p50=800ms, p95=2s, p99=3s" }
  - operation: listDecisions
    latency: { current: "p99=200ms" }
`,
      },
    ]),
  ];
  for (const c of contracts) expect(c.problems).toEqual([]);
  return analyze({
    entities: [API, PROVIDER].map(summary),
    contracts: contracts.map(c => c.contract),
  }).findings;
}

describe('gateway timeouts in the rules', () => {
  it("finds a gateway deadline below the provider's p99, naming the deadline and the OpenAPI file", () => {
    const found = findings('2.0');
    expect(found.map(f => f.rule)).toEqual(['timeout-below-tail']);
    const [f] = found;
    expect(f).toMatchObject({
      consumer: API,
      provider: PROVIDER,
      subject: 'scoreTransaction',
      expected: 'p99 < 2s (timeout)',
      location: expect.objectContaining({ file: 'spec.definition', line: 9 }),
    });
    expect(f.message).toContain(
      'risk-api times out: after 2s (OpenAPI spec.definition:12, `paths."/score".post.x-google-backend.deadline`)',
    );
  });

  it('stays silent when the deadline is above the tail', () => {
    expect(findings('4.0')).toEqual([]);
  });
});

describe("Kong's retries in the rules", () => {
  it('multiplies the gateway retries with the provider’s own (retry-amplification)', () => {
    const contracts = [
      parsed(`openapi: 3.0.0
info: { title: Risk API, version: 1.0.0 }
x-kong-service-defaults: { retries: 4, read_timeout: 10000 }
paths:
  /score:
    post:
      operationId: scoreTransaction
`),
      parseEntityContract(PROVIDER, [
        {
          file: 'sla.yaml',
          text: `provides:
  - operation: scoreTransaction
    latency: { current: "p99=300ms" }
depends_on:
  - service: models
    operation: predict
    timeout: 1s
    retry: 4
`,
        },
      ]),
      parseEntityContract('component:default/models', [
        {
          file: 'sla.yaml',
          text: 'provides:\n  - operation: predict\n    latency: { current: "p99=100ms" }\n',
        },
      ]),
    ];
    for (const c of contracts) expect(c.problems).toEqual([]);
    const found = analyze({
      entities: [API, PROVIDER, 'component:default/models'].map(summary),
      contracts: contracts.map(c => c.contract),
    }).findings.filter(f => f.rule === 'retry-amplification');
    expect(found.map(f => [f.consumer, f.actual])).toEqual([
      [API, '20 attempts (5 × 4)'],
    ]);
  });
});
