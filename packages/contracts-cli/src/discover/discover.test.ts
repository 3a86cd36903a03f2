import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import {
  copyExamples,
  EXAMPLES,
  edit,
  run,
  tmpDir,
} from '../__testUtils__/testing';

const REPO = path.resolve(EXAMPLES, '..');

describe('contracts discover', () => {
  it("proposes the essay's timeout and retry with a new id from checkout's code, as a contract that parses with no problem", async () => {
    const { code, stdout, stderr } = await run(
      ['discover', 'examples/checkout'],
      { cwd: REPO },
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const parsed = parseEntityContract('component:default/checkout', [
      { file: 'draft.yaml', text: stdout },
    ]);
    expect(parsed.problems).toEqual([]);
    const [payment, risk] = parsed.contract.dependsOn;
    // the call to payment its contract leaves out (the drift the example catalog shows)
    expect(payment).toMatchObject({
      service: 'payment',
      timeoutMs: 3000,
      discovered: {
        timeout: { file: 'src/paymentClient.ts', line: 32, column: 13 },
      },
    });
    expect(risk).toMatchObject({
      service: 'risk',
      timeoutMs: 500,
      retry: { raw: '2', maxAttempts: 2 },
      discovered: {
        timeout: { file: 'src/riskClient.ts', line: 37, column: 17 },
        retry: { file: 'src/riskClient.ts', line: 30, column: 3 },
      },
    });
    expect(parsed.contract.retryPolicies[0]).toMatchObject({
      target: 'risk',
      newRequestIdOnTimeout: true,
      maxAttempts: 2,
      discovered: {
        'on_timeout.generates_new_request_id': {
          file: 'src/riskClient.ts',
          line: 31,
        },
      },
    });
    // the code as written, above the value
    expect(stdout).toContain(
      '# timeout: src/riskClient.ts:37:17 AbortSignal.timeout(RISK_TIMEOUT_MS) → 500ms (constant RISK_TIMEOUT_MS (src/riskClient.ts:12))',
    );
  });

  it("finds risk's read of the orders replica", async () => {
    const { stdout } = await run(
      ['discover', 'examples/risk', '--format', 'json'],
      { cwd: REPO },
    );
    const out = JSON.parse(stdout);
    expect(out.service).toBe('risk');
    expect(
      out.facts.map((f: any) => [f.kind, f.file, f.line, f.target]),
    ).toEqual([
      ['replica-read', 'src/purchases.ts', 8, 'orders'],
      ['replica-read', 'src/purchases.ts', 21, 'orders'],
    ]);
    expect(out.draft).toContain('# reads orders through a replica');
  });

  it('--against: no drift where the code keeps the contract; a planted drift is a contract-drift warning', async () => {
    // checkout's code keeps its contract on risk; its call to payment is one the contract leaves out
    const undeclared = await run(
      [
        'discover',
        'examples/checkout',
        '--against',
        'examples/',
        '--format',
        'json',
      ],
      { cwd: REPO },
    );
    expect(undeclared.code).toBe(0);
    expect(
      JSON.parse(undeclared.stdout).drift.findings.map((f: any) => [
        f.severity,
        f.provider,
        f.subject,
        f.actual,
      ]),
    ).toEqual([
      [
        'info',
        'component:default/payment',
        'payment (undeclared call)',
        'calls payment at src/paymentClient.ts:32',
      ],
    ]);

    const examples = copyExamples();
    fs.rmSync(path.join(examples, 'checkout/src/paymentClient.ts'));
    const clean = await run(
      ['discover', 'examples/checkout', '--against', 'examples/'],
      { cwd: path.dirname(examples) },
    );
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain(
      'No drift: the code agrees with the declared contract.',
    );

    edit(
      path.join(examples, 'checkout/src/riskClient.ts'),
      'export const RISK_TIMEOUT_MS = 500;',
      'export const RISK_TIMEOUT_MS = 5_000;',
    );
    const drift = await run(
      [
        'discover',
        'examples/checkout',
        '--against',
        'examples',
        '--format',
        'json',
        '--fail-on',
        'warning',
      ],
      { cwd: path.dirname(examples) },
    );
    expect(drift.code).toBe(1);
    const [finding, ...rest] = JSON.parse(drift.stdout).drift.findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      rule: 'contract-drift',
      severity: 'warning',
      consumer: 'component:default/checkout',
      provider: 'component:default/risk',
      subject: 'scoreTransaction (timeout)',
      expected: 'timeout 500ms',
      actual: '5s at src/riskClient.ts:37',
      location: { file: 'contracts/dependencies.yaml' },
    });
    expect(finding.message).toContain(
      'declared timeout 500ms (contracts/dependencies.yaml:4); code uses 5s at src/riskClient.ts:37',
    );
  });

  it('--format sarif is valid SARIF 2.1.0: a note per fact at its place, and the drift', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const ajv = new Ajv({
      allErrors: true,
      strict: false,
      unicodeRegExp: false,
    });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const { stdout } = await run(
      ['discover', 'examples/checkout', '--format', 'sarif'],
      { cwd: REPO },
    );
    const log = JSON.parse(stdout);
    expect(validate(log)).toBe(true);
    expect(
      log.runs[0].results.map((r: any) => [
        r.ruleId,
        r.locations[0].physicalLocation.artifactLocation.uri,
        r.locations[0].physicalLocation.region.startLine,
      ]),
    ).toEqual([
      ['discovered/timeout', 'examples/checkout/src/paymentClient.ts', 32],
      ['discovered/retry', 'examples/checkout/src/riskClient.ts', 30],
      ['discovered/new-id-in-retry', 'examples/checkout/src/riskClient.ts', 31],
      ['discovered/timeout', 'examples/checkout/src/riskClient.ts', 37],
    ]);
  });

  it('skips tests, vendored folders, generated files and build output', async () => {
    const repo = tmpDir();
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      fs.writeFileSync(path.join(repo, file), text);
    };
    const client = `import requests\n\ndef score(tx):\n    return requests.post("http://risk/score", json=tx, timeout=0.2)\n`;
    write('app/client.py', client);
    write('app/test_client.py', client);
    write('tests/client.py', client);
    write('vendor/github.com/x/client.py', client);
    write(
      'node_modules/x/index.js',
      `fetch('http://risk/x', { signal: AbortSignal.timeout(5) });\n`,
    );
    write(
      'src/client.test.ts',
      `fetch('http://risk/x', { signal: AbortSignal.timeout(5) });\n`,
    );
    write('gen/client_pb2.py', client);
    write(
      'dist/client.js',
      `fetch('http://risk/x', { signal: AbortSignal.timeout(5) });\n`,
    );
    const { stdout } = await run(['discover', '.', '--format', 'json'], {
      cwd: repo,
    });
    expect(
      JSON.parse(stdout).facts.map((f: any) => `${f.file}:${f.line} ${f.kind}`),
    ).toEqual(['app/client.py:4 timeout']);
  });

  it('names the service from --service, else catalog-info.yaml, else the folder', async () => {
    const repo = tmpDir();
    fs.mkdirSync(path.join(repo, 'payments-api'));
    const plain = await run(['discover', 'payments-api', '--format', 'json'], {
      cwd: repo,
    });
    expect(JSON.parse(plain.stdout).service).toBe('payments-api');
    const named = await run(
      ['discover', 'payments-api', '--service', 'payment', '--format', 'json'],
      { cwd: repo },
    );
    expect(JSON.parse(named.stdout).service).toBe('payment');
  });

  it('is a usage error without a path, or with a path that does not exist (exit 2)', async () => {
    expect((await run(['discover'], { cwd: REPO })).code).toBe(2);
    const missing = await run(['discover', 'no/such/dir'], { cwd: REPO });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no/such/dir: cannot read it');
  });
});

describe('contracts discover, configuration keys', () => {
  it('resolves a value the code reads from a configuration key the service ships, and says from where', async () => {
    const repo = tmpDir();
    fs.mkdirSync(path.join(repo, 'src'));
    fs.mkdirSync(path.join(repo, 'deploy'));
    fs.writeFileSync(
      path.join(repo, 'src/risk.ts'),
      `export async function score(body: string) {\n  return fetch('http://risk:8080/score', { method: 'POST', body, signal: AbortSignal.timeout(Number(process.env.RISK_TIMEOUT_MS)) });\n}\nexport async function ship() {\n  return fetch('http://shipping/x', { signal: AbortSignal.timeout(Number(process.env.SHIPPING_TIMEOUT_MS)) });\n}\n`,
    );
    fs.writeFileSync(
      path.join(repo, 'deploy/deployment.yaml'),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: checkout }\nspec:\n  template:\n    spec:\n      containers:\n        - name: checkout\n          env:\n            - name: RISK_TIMEOUT_MS\n              value: "500"\n`,
    );
    const { stdout } = await run(['discover', '.', '--format', 'json'], {
      cwd: repo,
    });
    const facts = JSON.parse(stdout).facts;
    const [code, shipping] = facts.filter((f: any) => f.file === 'src/risk.ts');
    expect(code).toMatchObject({
      kind: 'timeout',
      ms: 500,
      configKey: 'RISK_TIMEOUT_MS',
      resolved:
        'config key RISK_TIMEOUT_MS = "500" (deploy/deployment.yaml:11)',
      target: 'risk',
    });
    expect(code).not.toHaveProperty('unresolved');
    // a key the configuration does not set stays unresolved: never a guess
    expect(shipping).toMatchObject({
      configKey: 'SHIPPING_TIMEOUT_MS',
      unresolved: 'not resolvable statically (config key SHIPPING_TIMEOUT_MS)',
    });
    expect(shipping).not.toHaveProperty('ms');
  });
});

describe('a committed discover report', () => {
  const CHECKOUT_DIR = path.join(EXAMPLES, 'checkout');
  const COMMITTED = path.join(CHECKOUT_DIR, 'contracts/discovered.json');

  it("checkout's is what `contracts discover . --format json` writes today", async () => {
    const { code, stdout } = await run(['discover', '.', '--format', 'json'], {
      cwd: CHECKOUT_DIR,
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      kind: 'contracts-discover-report',
      version: 1,
      service: 'checkout',
      root: '.',
    });
    // regenerate it with that command when checkout's code changes
    expect(stdout).toBe(fs.readFileSync(COMMITTED, 'utf8'));
  });

  it('contracts check reads it as the catalog module does: the drift of the code it states', async () => {
    const { code, stdout } = await run(
      ['check', 'examples', '--format', 'json', '--fail-on', 'never'],
      { cwd: REPO },
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.problems).toEqual([]);
    expect(
      report.findings.filter((f: any) => f.rule === 'contract-drift'),
    ).toEqual([
      expect.objectContaining({
        severity: 'info',
        consumer: 'component:default/checkout',
        provider: 'component:default/payment',
        actual: 'calls payment at src/paymentClient.ts:32',
      }),
    ]);
  });

  it('a broken report is a located problem; the rest of the report and every contract stay', async () => {
    const examples = copyExamples();
    edit(
      path.join(examples, 'checkout/contracts/discovered.json'),
      '"kind": "timeout"',
      '"kind": "deadline"',
    );
    const { code, stdout } = await run(
      ['check', 'examples', '--format', 'json'],
      { cwd: path.dirname(examples) },
    );
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.problems).toEqual([
      {
        entity: 'component:default/checkout',
        file: 'contracts/discovered.json',
        line: 8,
        column: 15,
        path: 'facts[0].kind',
        message:
          '`kind` must be one of timeout, retry, new-id-in-retry, idempotency-key, replica-read, got `deadline`: the fact is left out',
      },
    ]);
    expect(
      report.findings.filter((f: any) => f.rule === 'contract-drift'),
    ).toEqual([]);
    expect(report.findings.map((f: any) => f.rule).sort()).toEqual([
      'access-policy',
      'data-freshness',
      'idempotency-key',
      'latency-budget',
      'timeout-below-tail',
    ]);
  });

  it('contracts.io/discovered names a report elsewhere; one that cannot be read is a problem', async () => {
    const examples = copyExamples();
    const catalogInfo = path.join(examples, 'checkout/catalog-info.yaml');
    fs.renameSync(
      path.join(examples, 'checkout/contracts/discovered.json'),
      path.join(examples, 'checkout/facts.json'),
    );
    edit(
      catalogInfo,
      'contracts.io/ref: dir:./contracts',
      'contracts.io/ref: dir:./contracts\n    contracts.io/discovered: ./facts.json',
    );
    const named = await run(
      ['check', 'examples', '--format', 'json', '--fail-on', 'never'],
      { cwd: path.dirname(examples) },
    );
    const report = JSON.parse(named.stdout);
    expect(report.problems).toEqual([]);
    expect(
      report.findings.filter((f: any) => f.rule === 'contract-drift'),
    ).toHaveLength(1);

    fs.rmSync(path.join(examples, 'checkout/facts.json'));
    const missing = JSON.parse(
      (
        await run(['check', 'examples', '--format', 'json'], {
          cwd: path.dirname(examples),
        })
      ).stdout,
    );
    expect(missing.problems).toEqual([
      expect.objectContaining({
        entity: 'component:default/checkout',
        path: 'metadata.annotations["contracts.io/discovered"]',
        message: expect.stringMatching(
          /^cannot read the discover report at `file:\.\/facts\.json`/,
        ),
      }),
    ]);
  });
});
