/*
 * Issue 21 in the CLI: an API entity's gateway timeout (`x-google-backend.deadline` in its
 * OpenAPI definition) is a call to the Component that provides the API (`spec.providesApis`:
 * files carry no relations), judged by the same rules as the backend's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContractsReport } from '@backstage-contracts/plugin-contracts-common';
import { run, tmpDir } from './__testUtils__/testing';

function catalog(deadline: string, provided = true): string {
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'catalog-info.yaml'),
    `apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: risk-api }
spec:
  type: openapi
  lifecycle: production
  owner: group:default/risk-team
  definition: |
    swagger: '2.0'
    info: { title: Risk API, version: 1.0.0 }
    paths:
      /score:
        post:
          operationId: scoreTransaction
          x-google-backend:
            address: https://risk.internal.example/score
            deadline: ${deadline}
          responses: { '200': { description: scored } }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: risk
  annotations:
    contracts.io/spec: |
      provides:
        - operation: scoreTransaction
          latency: { current: "p50=800ms, p95=2s, p99=3s" }
spec:
  type: service
  lifecycle: production
  owner: group:default/risk-team
${provided ? '  providesApis: [risk-api]\n' : ''}---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: risk-team }
spec: { type: team, children: [] }
`,
  );
  return dir;
}

async function check(dir: string): Promise<ContractsReport> {
  const { stdout } = await run(['check', dir, '--format', 'json']);
  return JSON.parse(stdout) as ContractsReport;
}

describe('contracts check on a gateway timeout in an OpenAPI definition', () => {
  it("finds a deadline below the provider's p99, located in the API's definition", async () => {
    const report = await check(catalog('2.0'));
    expect(report.findings.map(f => [f.rule, f.consumer, f.provider])).toEqual([
      ['timeout-below-tail', 'api:default/risk-api', 'component:default/risk'],
    ]);
    expect(report.findings[0].message).toContain('x-google-backend.deadline');
    expect(report.findings[0].location).toMatchObject({
      file: 'spec.definition',
      line: 6,
    });
  });

  it('is silent on a consistent deadline, and reports a deadline of an API nobody provides', async () => {
    expect((await check(catalog('4.0'))).findings).toEqual([]);
    const unprovided = await check(catalog('2.0', false));
    expect(unprovided.findings).toEqual([]);
    // (the default deciders of access-policy, groups this one-team catalog lacks, are problems too)
    expect(
      unprovided.problems.filter(p => p.entity === 'api:default/risk-api'),
    ).toEqual([
      expect.objectContaining({
        entity: 'api:default/risk-api',
        message: expect.stringContaining('no component provides this API'),
      }),
    ]);
  });
});
