/*
 * Issue 19: a coding agent's MCP client on the real portal (`npm start`). A real MCP client
 * (@modelcontextprotocol/sdk, Streamable HTTP) connects to /api/mcp-actions/v1 with the guest's
 * Backstage token (the portal's sign-in), lists the contracts tools, reads checkout's contracts
 * and checks a proposal that relaxes checkout's latency budget on risk: the latency finding
 * would be removed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fs from 'node:fs';
import path from 'node:path';
import {
  BASE_URL,
  guestToken,
  Portal,
  ROOT,
  startPortal,
} from '../support/portal';

jest.setTimeout(180_000);

const MCP_URL = `${BASE_URL}/api/mcp-actions/v1`;

interface Finding {
  id: string;
  rule: string;
  consumer: string;
  provider: string;
}

/** The structured output of a tool call (the action's output), failing on a tool error. */
function outputOf(result: Awaited<ReturnType<Client['callTool']>>): any {
  if (result.isError) {
    throw new Error(`the tool failed: ${JSON.stringify(result.content)}`);
  }
  const [content] = result.content as Array<{ type: string; text: string }>;
  expect(content.type).toBe('text');
  const output = JSON.parse(content.text);
  expect(result.structuredContent).toEqual(output);
  return output;
}

describe('the contracts actions over MCP', () => {
  let portal: Portal;
  let client: Client;

  beforeAll(async () => {
    portal = await startPortal();
    client = new Client({ name: 'contracts-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(MCP_URL), {
        requestInit: {
          headers: { Authorization: `Bearer ${await guestToken()}` },
        },
      }),
    );
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    await portal?.stop();
  });

  it('lists the contracts tools, described, to a signed-in client', async () => {
    const { tools } = await client.listTools();
    const names = tools.map(t => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'contracts.get-contracts',
        'contracts.check-contract',
        'contracts.list-unanswered-needs',
        'contracts.explain-finding',
      ]),
    );
    const check = tools.find(t => t.name === 'contracts.check-contract')!;
    expect(check.description).toMatch(
      /the findings that the proposal adds .* and removes/,
    );
    expect(check.description).toContain(
      '    latency_budget: { acceptable: p95 < 5s }\n',
    );
    expect(Object.keys(check.inputSchema.properties ?? {})).toEqual([
      'entity',
      'contract',
      'sources',
    ]);
    expect(check.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('refuses a client without credentials', async () => {
    const res = await fetch(MCP_URL, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {},
      }),
    });
    expect(res.status).toBe(401);
  });

  it("gets checkout's contracts, then checks a proposal that relaxes its budget on risk: the latency finding disappears", async () => {
    const contracts = outputOf(
      await client.callTool({
        name: 'contracts.get-contracts',
        arguments: { entity: 'checkout' },
      }),
    );
    expect(contracts.entityRef).toBe('component:default/checkout');
    expect(contracts.contracts.dependsOn[0]).toMatchObject({
      service: 'risk',
      operation: 'scoreTransaction',
    });
    const latency = (contracts.findings as Finding[]).find(
      f =>
        f.rule === 'latency-budget' && f.provider === 'component:default/risk',
    );
    expect(latency).toBeDefined();
    // what risk promises, for the agent writing checkout's call
    const risk = contracts.dependencies.find(
      (d: { entityRef: string }) => d.entityRef === 'component:default/risk',
    );
    expect(JSON.stringify(risk.promises.operations)).toMatch(/3200ms/);

    const explained = outputOf(
      await client.callTool({
        name: 'contracts.explain-finding',
        arguments: { findingId: latency!.id },
      }),
    );
    expect(explained.explanation).toMatch(/Latency contract violation/);
    expect(explained.deciders.length).toBeGreaterThan(0);

    // checkout's dependencies.yaml with the budget relaxed to what risk delivers
    const dir = path.join(ROOT, 'examples/checkout/contracts');
    const dependencies = fs
      .readFileSync(path.join(dir, 'dependencies.yaml'), 'utf8')
      .replace('target: p50 < 100ms', 'target: p50 < 3s')
      .replace('acceptable: p95 < 200ms', 'acceptable: p95 < 5s')
      .replace('maximum: p99 < 500ms', 'maximum: p99 < 8s')
      .replace('timeout: 500ms', 'timeout: 8s');
    const checked = outputOf(
      await client.callTool({
        name: 'contracts.check-contract',
        arguments: {
          entity: 'checkout',
          sources: [
            { file: 'dependencies.yaml', text: dependencies },
            {
              file: 'retry.yaml',
              text: fs.readFileSync(path.join(dir, 'retry.yaml'), 'utf8'),
            },
          ],
        },
      }),
    );
    expect(checked.problems).toEqual([]);
    expect((checked.removed as Finding[]).map(f => f.id)).toContain(
      latency!.id,
    );
    expect(
      (checked.findings as Finding[]).filter(f => f.rule === 'latency-budget'),
    ).toEqual([]);
    expect(
      (checked.added as Finding[]).filter(f => f.rule === 'latency-budget'),
    ).toEqual([]);
  });

  it('answers a bad call with a clear tool error', async () => {
    const result = await client.callTool({
      name: 'contracts.check-contract',
      arguments: { entity: 'checkout' },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(
      /InputError: Give the proposed contract: `contract` \(YAML text\) or `sources`/,
    );
  });
});
