import { parseEntityContract } from '../parser';

const ENTITY = 'api:default/risk-api';

// Written from the OpenAPI 3.1 specification.
const RISK_API = `openapi: 3.1.0
info:
  title: Risk API
  version: 2.0.0
paths:
  /score:
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    post:
      operationId: scoreTransaction
      responses:
        '200': { description: scored }
  /decisions/{id}:
    get:
      operationId: getDecision
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200': { description: the decision }
  /refunds:
    post:
      parameters:
        - name: X-Idempotency-Key
          in: header
          required: true
      responses:
        '201': { description: created }
components:
  parameters:
    IdempotencyKey:
      name: Idempotency-Key
      in: header
      required: true
      schema: { type: string }
`;

describe('OpenAPI import', () => {
  it('reads operations by operationId (else method and path) and Idempotency-Key headers', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'spec.definition', text: RISK_API, format: 'openapi' },
    ]);
    expect(problems).toEqual([]);
    expect(contract.operations.map(o => o.name)).toEqual([
      'scoreTransaction',
      'getDecision',
      'POST /refunds',
    ]);
    expect(contract.operations[0].imported?.name).toMatchObject({
      format: 'openapi',
      line: 10,
    });
    expect(contract.idempotency).toEqual([
      expect.objectContaining({
        name: 'scoreTransaction',
        idempotencyKey: 'Idempotency-Key header',
        expects: 'stable_across_retries',
        imported: expect.objectContaining({
          idempotency_key: expect.objectContaining({
            line: 31,
            path: 'components.parameters.IdempotencyKey.name',
          }),
        }),
      }),
      expect.objectContaining({
        name: 'POST /refunds',
        idempotencyKey: 'X-Idempotency-Key header',
      }),
    ]);
  });

  it('reads a JSON definition (Swagger 2.0)', () => {
    const json = JSON.stringify({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      paths: { '/pay': { post: { operationId: 'authorize', responses: {} } } },
    });
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'spec.definition', text: json, format: 'openapi' },
    ]);
    expect(problems).toEqual([]);
    expect(contract.operations.map(o => o.name)).toEqual(['authorize']);
  });

  it('reports a dangling $ref, a duplicate operationId, an unknown version and a definition in another format', () => {
    const broken = RISK_API.replace(
      "'#/components/parameters/IdempotencyKey'",
      "'#/components/parameters/Missing'",
    ).replace('operationId: getDecision', 'operationId: scoreTransaction');
    const { problems } = parseEntityContract(ENTITY, [
      { file: 'spec.definition', text: broken },
    ]);
    expect(problems.map(p => [p.line, p.path, p.message])).toEqual([
      [
        8,
        'paths."/score".parameters[0]',
        expect.stringContaining('points at nothing'),
      ],
      [
        15,
        'paths."/decisions/{id}".get.operationId',
        expect.stringContaining('used twice'),
      ],
    ]);
    const old = parseEntityContract(ENTITY, [
      { file: 'x.yaml', text: 'openapi: 1.2\npaths: {}\n' },
    ]);
    expect(old.problems).toEqual([
      expect.objectContaining({ line: 1, path: 'openapi' }),
    ]);
    const notOpenApi = parseEntityContract(ENTITY, [
      {
        file: 'spec.definition',
        text: 'asyncapi: 2.6.0\nchannels: {}\n',
        format: 'openapi',
      },
    ]);
    expect(notOpenApi.problems).toEqual([
      expect.objectContaining({
        file: 'spec.definition',
        message: 'expected OpenAPI here',
      }),
    ]);
  });
});
