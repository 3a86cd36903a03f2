/*
 * SARIF 2.1.0 rendering of a report, for GitHub code scanning and other SARIF viewers.
 */
import type { ContractRule } from '../engine/types';
import { defaultRules } from '../engine/rules';
import type {
  ContractProblem,
  ContractsReport,
  Finding,
  Severity,
} from '../types';

/**
 * The rule id under which contract problems (documents that do not parse or validate) appear.
 * @public
 */
export const CONTRACT_PROBLEM_RULE_ID = 'contract-problem';

/**
 * A SARIF level.
 * @public
 */
export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

/**
 * SARIF level of each severity: trade-offs are warnings (they need a decision, not a fix).
 * @public
 */
export const SARIF_LEVEL: Record<Severity, SarifLevel> = {
  error: 'error',
  warning: 'warning',
  tradeoff: 'warning',
  info: 'note',
};

/**
 * Where an entity or one of its contract files is, as a SARIF artifact: a URI relative to the
 * repository root (or absolute), and the line of the entity's definition when the place is the
 * entity itself.
 * @public
 */
export interface SarifArtifact {
  uri: string;
  startLine?: number;
}

/**
 * Options of {@link formatSarif}.
 * @public
 */
export interface FormatSarifOptions {
  /**
   * Finds the file of an entity's contract (`file` as in findings and problems, e.g.
   * `contracts/sla.yaml`), or, without `file`, the file that defines the entity. Without it, or
   * when it answers undefined, results carry logical locations only.
   */
  locate?: (entity: string, file?: string) => SarifArtifact | undefined;
  /** The rules whose metadata is listed; default {@link defaultRules}. */
  rules?: ReadonlyArray<
    Pick<ContractRule, 'id' | 'title' | 'description' | 'defaultSeverity'>
  >;
  toolName?: string;
  toolVersion?: string;
  informationUri?: string;
  /** For a comparison with a baseline (`contracts diff`): the state of each finding. */
  baselineState?: (
    finding: Finding,
  ) => 'new' | 'unchanged' | 'updated' | 'absent' | undefined;
}

/* A structural subset of the SARIF 2.1.0 object model, as written here. */
/** @public */
export interface SarifLocation {
  physicalLocation?: {
    artifactLocation: { uri: string; uriBaseId?: string };
    region?: { startLine: number; startColumn?: number };
  };
  logicalLocations?: Array<{
    name: string;
    fullyQualifiedName: string;
    kind: string;
  }>;
  message?: { text: string };
  id?: number;
}

/** @public */
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints?: Record<string, string>;
  suppressions?: Array<{
    kind: 'external';
    status: 'accepted';
    justification: string;
  }>;
  baselineState?: 'new' | 'unchanged' | 'updated' | 'absent';
  properties?: Record<string, unknown>;
}

/** @public */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: {
      driver: {
        name: string;
        version?: string;
        informationUri?: string;
        rules: Array<{
          id: string;
          name: string;
          shortDescription: { text: string };
          fullDescription: { text: string };
          defaultConfiguration: { level: SarifLevel };
          properties: { tags: string[] };
        }>;
      };
    };
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
  }>;
}

const SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

function ruleName(id: string): string {
  return id
    .split(/[^a-z0-9]+/i)
    .filter(Boolean)
    .map(w => w[0].toUpperCase() + w.slice(1))
    .join('');
}

function entityName(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':');
  return ref.slice(Math.max(slash, colon) + 1) || ref;
}

function logical(ref: string) {
  return { name: entityName(ref), fullyQualifiedName: ref, kind: 'module' };
}

function artifactLocation(uri: string) {
  return /^[a-z][a-z0-9+.-]*:/i.test(uri)
    ? { uri }
    : { uri, uriBaseId: '%SRCROOT%' };
}

function physical(
  artifact: SarifArtifact | undefined,
  line?: number,
  column?: number,
): SarifLocation['physicalLocation'] {
  if (!artifact) return undefined;
  const startLine = line ?? artifact.startLine;
  return {
    artifactLocation: artifactLocation(artifact.uri),
    ...(startLine !== undefined && startLine >= 1
      ? {
          region: {
            startLine,
            ...(line !== undefined && column !== undefined && column >= 1
              ? { startColumn: column }
              : {}),
          },
        }
      : {}),
  };
}

/**
 * Renders a report as a SARIF 2.1.0 log that GitHub code scanning accepts: one rule per engine
 * rule (and one for contract problems) with its default level, one result per finding with its
 * level set explicitly, a physical location at the contract file and line where known (else the
 * file defining the consumer), logical locations naming the entities, and the finding's
 * fingerprint as a partial fingerprint. Accepted findings carry an external suppression.
 * @public
 */
export function formatSarif(
  report: ContractsReport,
  options: FormatSarifOptions = {},
): SarifLog {
  const locate = options.locate ?? (() => undefined);
  const rules = [...(options.rules ?? defaultRules)];
  const known = new Set(rules.map(r => r.id));
  for (const f of report.findings) {
    if (!known.has(f.rule)) {
      known.add(f.rule);
      rules.push({
        id: f.rule,
        title: f.title,
        description: f.title,
        defaultSeverity: f.severity,
      });
    }
  }
  const driverRules = rules.map(r => ({
    id: r.id,
    name: ruleName(r.id),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description || r.title },
    defaultConfiguration: { level: SARIF_LEVEL[r.defaultSeverity] },
    properties: { tags: ['contracts', r.defaultSeverity] },
  }));
  driverRules.push({
    id: CONTRACT_PROBLEM_RULE_ID,
    name: ruleName(CONTRACT_PROBLEM_RULE_ID),
    shortDescription: { text: 'Contract problem' },
    fullDescription: {
      text: 'A contract document does not parse or validate; the values concerned are left out of the analysis.',
    },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['contracts', 'error'] },
  });
  const ruleIndex = new Map(driverRules.map((r, i) => [r.id, i]));

  const results: SarifResult[] = report.findings.map(f =>
    findingResult(f, ruleIndex.get(f.rule) ?? 0, locate, options),
  );
  for (const p of report.problems) {
    results.push(
      problemResult(p, ruleIndex.get(CONTRACT_PROBLEM_RULE_ID)!, locate),
    );
  }
  return {
    $schema: SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: options.toolName ?? 'contracts',
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            ...(options.informationUri
              ? { informationUri: options.informationUri }
              : {}),
            rules: driverRules,
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

function findingResult(
  f: Finding,
  index: number,
  locate: NonNullable<FormatSarifOptions['locate']>,
  options: FormatSarifOptions,
): SarifResult {
  const at = f.location;
  const where =
    (at?.file
      ? physical(locate(at.entity, at.file), at.line, at.column)
      : undefined) ?? physical(locate(f.consumer));
  const result: SarifResult = {
    ruleId: f.rule,
    ruleIndex: index,
    level: SARIF_LEVEL[f.severity],
    message: { text: f.message || f.title },
    locations: [
      {
        ...(where ? { physicalLocation: where } : {}),
        logicalLocations: [logical(f.consumer)],
      },
    ],
    partialFingerprints: { 'contractsFinding/v1': f.id },
    properties: {
      severity: f.severity,
      status: f.status,
      consumer: f.consumer,
      provider: f.provider,
      subject: f.subject,
      expected: f.expected,
      actual: f.actual,
      evidence: f.evidence,
      ...(f.chain ? { chain: f.chain } : {}),
    },
  };
  if (f.provider && f.provider !== f.consumer) {
    const providerAt = physical(locate(f.provider));
    result.relatedLocations = [
      {
        id: 1,
        ...(providerAt ? { physicalLocation: providerAt } : {}),
        logicalLocations: [logical(f.provider)],
        message: { text: `provider: ${f.provider}` },
      },
    ];
  }
  if (f.status === 'accepted') {
    result.suppressions = [
      {
        kind: 'external',
        status: 'accepted',
        justification: 'an accepted trade-off decision answers this finding',
      },
    ];
  }
  const state = options.baselineState?.(f);
  if (state) result.baselineState = state;
  return result;
}

function problemResult(
  p: ContractProblem,
  index: number,
  locate: NonNullable<FormatSarifOptions['locate']>,
): SarifResult {
  const where =
    (p.file
      ? physical(locate(p.entity, p.file), p.line, p.column)
      : undefined) ?? physical(locate(p.entity));
  const place = p.path ? ` at ${p.path}` : '';
  return {
    ruleId: CONTRACT_PROBLEM_RULE_ID,
    ruleIndex: index,
    level: 'error',
    message: { text: `${p.entity}${place}: ${p.message}` },
    locations: [
      {
        ...(where ? { physicalLocation: where } : {}),
        logicalLocations: [
          p.path
            ? {
                name: p.path,
                fullyQualifiedName: `${p.entity}#${p.path}`,
                kind: 'property',
              }
            : logical(p.entity),
        ],
      },
    ],
  };
}
