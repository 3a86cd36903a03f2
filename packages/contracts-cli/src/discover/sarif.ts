/*
 * SARIF 2.1.0 of `contracts discover`: one `note` result per discovered fact at its place in
 * the code, and, with `--against`, one result per drift finding at the code that drifted.
 */
import * as path from 'node:path';
import {
  type ContractsReport,
  formatDuration,
  type SarifLog,
  type SarifResult,
} from '@backstage-contracts/plugin-contracts-common';
import type { DiscoveredFact, DiscoveredFactKind } from './core';

const KINDS: Record<DiscoveredFactKind, string> = {
  timeout: 'A client timeout on an outbound call',
  retry:
    'A retry policy: attempts, and whether they count every try or only the retries',
  'new-id-in-retry':
    'A random id made inside a retry path or an error handler: each attempt is a new request',
  'idempotency-key': 'An idempotency key or request id sent or checked',
  'replica-read':
    'A read routed to a replica or read-only connection: the data may be stale',
};

/** What a fact says, in one sentence. */
export function describeFact(f: DiscoveredFact): string {
  const to = f.target ? ` to ${f.target}` : '';
  let value = f.unresolved;
  if (f.ms !== undefined) value = formatDuration(f.ms);
  else if (f.attempts !== undefined)
    value = `${f.attempts} ${
      f.counts === 'retries' ? 'retries' : 'attempts in all'
    }`;
  switch (f.kind) {
    case 'timeout':
      return `timeout${to}: ${value}`;
    case 'retry':
      return `retries${to}: ${value}`;
    case 'new-id-in-retry':
      return `a new request id on each retry${to}`;
    case 'idempotency-key':
      return `idempotency key${to}: ${f.library ?? f.written}`;
    default:
      return `reads ${f.target ?? 'a database'} through a replica`;
  }
}

export function discoveredSarif(
  facts: DiscoveredFact[],
  drift: ContractsReport | undefined,
  root: string,
  cwd: string,
): SarifLog {
  const uri = (file: string) =>
    encodeURI(
      path.relative(cwd, path.join(root, file)).split(path.sep).join('/'),
    );
  const ruleIds = [
    ...Object.keys(KINDS).map(k => `discovered/${k}`),
    'contract-drift',
  ];
  const results: SarifResult[] = facts.map(f => ({
    ruleId: `discovered/${f.kind}`,
    ruleIndex: ruleIds.indexOf(`discovered/${f.kind}`),
    level: 'note',
    message: { text: `${describeFact(f)} (${f.written})` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(f.file) },
          region: { startLine: f.line, startColumn: f.column },
        },
      },
    ],
    properties: { fact: f },
  }));
  const facts0 = new Map(facts.map(f => [`${f.file}:${f.line}`, f]));
  for (const finding of drift?.findings ?? []) {
    // the code the finding names: `… at src/riskClient.ts:37`
    const m =
      / at ([^\s;]+):(\d+)/.exec(finding.actual) ??
      / at ([^\s;]+):(\d+)/.exec(finding.message);
    const f = m ? facts0.get(`${m[1]}:${m[2]}`) : undefined;
    results.push({
      ruleId: 'contract-drift',
      ruleIndex: ruleIds.indexOf('contract-drift'),
      level: finding.severity === 'info' ? 'note' : 'warning',
      message: { text: finding.message },
      locations: f
        ? [
            {
              physicalLocation: {
                artifactLocation: { uri: uri(f.file) },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ]
        : [
            {
              logicalLocations: [
                {
                  name: finding.consumer,
                  fullyQualifiedName: finding.consumer,
                  kind: 'module',
                },
              ],
            },
          ],
      partialFingerprints: { contractsFindingId: finding.id },
    });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'contracts discover',
            rules: ruleIds.map(id => {
              const kind = id.replace('discovered/', '') as DiscoveredFactKind;
              const text =
                KINDS[kind] ??
                'Discovered code (timeout, retries, new ids) disagrees with the declared contract';
              return {
                id,
                name: id,
                shortDescription: { text },
                fullDescription: { text },
                defaultConfiguration: {
                  level: id === 'contract-drift' ? 'warning' : 'note',
                },
              };
            }),
          },
        },
        results,
      },
    ],
  } as SarifLog;
}
