import type { ContractSource } from '../types';
import {
  parseEntityContract,
  parseEntityContractOnPath,
} from './parseEntityContract';

const CHECKOUT = 'component:default/checkout';

function sources(...texts: string[]): ContractSource[] {
  return texts.map((text, i) => ({ file: `contracts/${i}.yaml`, text }));
}

/** A draft as `contracts discover` writes it: values marked discovered, with where. */
const DRAFT = `service: checkout
depends_on:
  - service: risk
    timeout: 500ms
    retry: 2
    discovered:
      timeout: src/riskClient.ts:14:22
      retry: src/riskClient.ts:30:5
retry_policies:
  - target: risk
    on_timeout: { generates_new_request_id: true }
    max_attempts: 2
    discovered:
      on_timeout.generates_new_request_id: src/riskClient.ts:33:27
      max_attempts: src/riskClient.ts:30:5
data_dependencies:
  - source: orders-db
    dataset: user_purchases
    freshness_required: <10s
    discovered: { source: src/db.ts:8 }
operations:
  - name: placeOrder
    idempotency_key: idempotency_key
    discovered: { idempotency_key: "src/orders/handler.ts:20:11" }
`;

describe('discovered marks', () => {
  it('carries where each discovered value was found, on both parser paths', () => {
    for (const path of ['fast', 'full'] as const) {
      const parsed = parseEntityContractOnPath(path, CHECKOUT, sources(DRAFT));
      expect(parsed?.problems).toEqual([]);
      const contract = parsed!.contract;
      expect(contract.dependsOn[0].timeoutMs).toBe(500);
      expect(contract.dependsOn[0].discovered).toEqual({
        timeout: { file: 'src/riskClient.ts', line: 14, column: 22 },
        retry: { file: 'src/riskClient.ts', line: 30, column: 5 },
      });
      expect(contract.retryPolicies[0].discovered).toEqual({
        'on_timeout.generates_new_request_id': {
          file: 'src/riskClient.ts',
          line: 33,
          column: 27,
        },
        max_attempts: { file: 'src/riskClient.ts', line: 30, column: 5 },
      });
      expect(contract.dataDependencies[0].discovered).toEqual({
        source: { file: 'src/db.ts', line: 8 },
      });
      expect(contract.idempotency[0].discovered).toEqual({
        idempotency_key: {
          file: 'src/orders/handler.ts',
          line: 20,
          column: 11,
        },
      });
    }
  });

  it('leaves declared values unmarked', () => {
    const { contract, problems } = parseEntityContract(
      CHECKOUT,
      sources('depends_on:\n  - service: risk\n    timeout: 500ms\n'),
    );
    expect(problems).toEqual([]);
    expect(contract.dependsOn[0]).not.toHaveProperty('discovered');
  });

  it('keeps the mark of a value merged in from another document', () => {
    const { contract, problems } = parseEntityContract(
      CHECKOUT,
      sources(
        'depends_on:\n  - service: risk\n    fallback: block\n',
        'depends_on:\n  - service: risk\n    timeout: 2s\n    discovered: { timeout: "main.go:40:12" }\n',
      ),
    );
    expect(problems).toEqual([]);
    expect(contract.dependsOn).toHaveLength(1);
    expect(contract.dependsOn[0].timeoutMs).toBe(2000);
    expect(contract.dependsOn[0].discovered).toEqual({
      timeout: { file: 'main.go', line: 40, column: 12 },
    });
  });

  it('reports a mark on a key the item does not have, a malformed place and a wrong type, located', () => {
    const { contract, problems } = parseEntityContract(
      CHECKOUT,
      sources(`depends_on:
  - service: risk
    timeout: 500ms
    discovered:
      timeuot: src/a.ts:1:1
      retry: somewhere
  - service: payment
    discovered: yes
retry_policies:
  - target: risk
    discovered: { max_attempts: "src/a.ts:0" }
`),
    );
    expect(problems.map(p => [p.line, p.column, p.path, p.message])).toEqual([
      [
        5,
        7,
        'depends_on[0].discovered.timeuot',
        'unknown key `timeuot`: did you mean `timeout`?',
      ],
      [
        6,
        14,
        'depends_on[0].discovered.retry',
        expect.stringContaining('`path:line:column`'),
      ],
      [
        8,
        17,
        'depends_on[1].discovered',
        expect.stringContaining('expected a mapping'),
      ],
      [
        11,
        33,
        'retry_policies[0].discovered.max_attempts',
        'line and column count from 1',
      ],
    ]);
    // the values themselves stay
    expect(contract.dependsOn.map(d => d.service)).toEqual(['risk', 'payment']);
    expect(contract.dependsOn[0].timeoutMs).toBe(500);
    expect(contract.dependsOn[0]).not.toHaveProperty('discovered');
  });
});
