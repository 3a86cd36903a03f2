import type {
  ActionsRegistryActionOptions,
  ActionsRegistryService,
} from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  type EntityContract,
  formatFinding,
} from '@backstage-contracts/plugin-contracts-common';
import { refKey } from '../services/ContractsGraphService';
import type { ContractsViews } from '../services/ContractsViews';
import type { DecisionsService } from '../services/DecisionsService';
import { redactDecisions } from '../services/redaction';

/*
 * The pieces the actions' schemas share (module-local: their zod types are those of
 * `@backstage/backend-plugin-api`'s own zod, which a declaration file could not name). The
 * actions registry gives each schema function its zod (`zod/v3`); these build on it. An output
 * schema strips the keys it does not name: a finding's and a problem's are all named; contracts
 * and decision records, large documents of their own, are passed as they are.
 */
/**
 * The zod the actions registry hands to a schema function: the one `@backstage/backend-plugin-api`
 * is typed with (which may be another copy than this package's own `zod`; mixing the two makes
 * the type checker compare them structurally, without end).
 */
type Zod = Parameters<
  ActionsRegistryActionOptions<any, any>['schema']['input']
>[0];

/** The input naming an entity: a ref or a service name. */
const entityInput = (z: Zod) =>
  z
    .string()
    .min(1)
    .describe(
      'The entity: a full entity ref (component:default/checkout) or a service name (checkout). ' +
        'The kind defaults to component and the namespace to default.',
    );

/**
 * The lower-cased entity ref (the graph's key) of an entity input: `checkout` is
 * `component:default/checkout` (`defaultKind`: component). An input that is no entity ref is an
 * InputError naming it.
 */
export function resolveEntityRef(
  input: string,
  defaultKind = 'component',
): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(input.trim(), {
        defaultKind,
        defaultNamespace: 'default',
      }),
    ).toLowerCase();
  } catch (error) {
    throw new InputError(
      `"${input}" is not an entity ref nor a service name: ${
        (error as Error).message
      }`,
    );
  }
}

/** Where a value was written: file, line, column and path in the document. */
const locationShape = (z: Zod) => ({
  file: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
  path: z.string(),
});

/** A finding as the report and the REST API give it (redacted for the caller). */
const findingSchema = (z: Zod) =>
  z.object({
    id: z
      .string()
      .describe('Stable id (the fingerprint): give it to explain-finding'),
    rule: z.string().describe('The rule that fired, e.g. latency-budget'),
    severity: z
      .enum(['error', 'warning', 'tradeoff', 'info'])
      .describe(
        'error blocks integration; a tradeoff needs a recorded decision',
      ),
    status: z
      .enum(['open', 'accepted', 'needs-review'])
      .describe(
        'accepted: a decision record accepts it; needs-review: its evidence changed since',
      ),
    consumer: z.string().describe('The entity whose need is not met'),
    provider: z.string().describe('The entity that does not meet it'),
    subject: z.string().describe('The operation, dataset or data concerned'),
    title: z.string(),
    expected: z.string().describe('What the consumer needs'),
    actual: z.string().describe('What the provider gives'),
    impact: z.string(),
    resolutions: z.array(z.string()),
    evidence: z.string().describe('Hash of the values compared'),
    deciders: z.array(z.string()).optional().describe('Who must decide'),
    message: z.string().describe('The essay-style message'),
    chain: z
      .array(z.string())
      .optional()
      .describe('For chain rules: the entities of the chain, head first'),
    location: z
      .object({ entity: z.string(), ...locationShape(z) })
      .optional()
      .describe('Where the consumer\u2019s side was written'),
    hidden: z
      .array(z.enum(['consumer', 'provider']))
      .optional()
      .describe(
        'Sides the caller may not read: their ref is hidden and the values compared are left out',
      ),
  });

/** A contract problem: where in which file a contract does not parse or validate. */
const problemSchema = (z: Zod) =>
  z.object({
    entity: z.string(),
    ...locationShape(z),
    message: z.string(),
  });

/**
 * A trade-off decision record (redacted for the caller), as the REST API gives it: title,
 * context, options, decision, rationale, deciders, signatures, status, review date.
 */
const decisionSchema = (z: Zod) =>
  z
    .unknown()
    .describe(
      'A trade-off decision record: title, context, options, decision, rationale, deciders, ' +
        'signatures, awaiting (deciders yet to sign), status, reviewBy',
    );

/** A parsed contract document (the REST API's `contracts`), as it is. */
const contractSchema = (z: Zod) =>
  z
    .unknown()
    .describe(
      'The contract as parsed: dependsOn (calls, with latency budgets, timeouts, retries), ' +
        'dataDependencies, requires (data access), retryPolicies (what it needs); operations, ' +
        'datasets, endpoints, idempotency (what it promises); each value with where it was written',
    );

/** How current the graph is (the REST API's freshness fields). */
const freshnessShape = (z: Zod) => ({
  stale: z
    .boolean()
    .describe(
      'The catalog could not be read lately: the answer is as of lastSuccessAt',
    ),
  computedAt: z.string().nullable(),
  staleReason: z.string().optional(),
  staleSince: z.string().optional(),
  lastSuccessAt: z.string().nullable().optional(),
});

/** What the contracts actions read from; built in plugin.ts. */
export interface ContractsActionsOptions {
  actionsRegistry: ActionsRegistryService;
  views: ContractsViews;
  decisions: DecisionsService;
}

/** What a provider promises: the provided parts of its contract. */
function promisesOf(contract: EntityContract) {
  return {
    operations: contract.operations,
    datasets: contract.datasets,
    endpoints: contract.endpoints,
    idempotency: contract.idempotency,
  };
}

/**
 * Registers the contracts actions (served to coding agents over MCP by
 * `@backstage/plugin-mcp-actions-backend`): `get-contracts`, `check-contract`,
 * `list-unanswered-needs` and `explain-finding`. Each acts with the caller's credentials: it
 * shows what the REST API shows them (their catalog read permission applied, see ContractsViews
 * and redaction).
 */
export function registerContractsActions(options: ContractsActionsOptions) {
  const { actionsRegistry, views, decisions } = options;

  actionsRegistry.register({
    name: 'get-contracts',
    title: 'Get the contracts of a service',
    description: [
      'Before writing code that calls another service, or changing what a service promises:',
      'what the service (a Backstage catalog entity) promises and needs, the contract findings',
      'on it (conflicts between what it needs and what others give, and the reverse) with their',
      'status, the trade-off decisions recorded on them, and the promises of every service it',
      'depends on (their operations with current and target latencies, datasets with freshness,',
      'endpoints with access and PII, idempotency keys and windows).',
      'Findings with status "open" or "needs-review" are unresolved: respect them, e.g. do not',
      'write a timeout below a provider\u2019s tail latency, nor retry with a new request id',
      'against a provider that dedupes on a stable key. Only what the caller may read in the',
      'catalog is shown: a dependency they may not read is left out (counted in',
      'hiddenDependencies) and findings naming it hide its ref and values.',
    ].join(' '),
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entity: entityInput(z),
        }),
      output: z =>
        z.object({
          entityRef: z.string(),
          contracts: contractSchema(z).describe(
            'Its contract as parsed; null when it has none',
          ),
          problems: z
            .array(problemSchema(z))
            .describe('Where its contract does not parse or validate'),
          findings: z
            .array(findingSchema(z))
            .describe('Findings where it is consumer or provider'),
          decisions: z
            .array(decisionSchema(z))
            .describe('The trade-off decision records that count now'),
          decisionCount: z.number(),
          dependencies: z
            .array(
              z.object({
                entityRef: z.string(),
                needs: z
                  .array(
                    z.object({
                      kind: z.enum(['call', 'dataset', 'data-need']),
                      subject: z.string(),
                      via: z.string().optional(),
                    }),
                  )
                  .describe(
                    'What this entity needs of it (the edges of the graph)',
                  ),
                promises: z
                  .unknown()
                  .describe(
                    'What it promises (operations, datasets, endpoints, idempotency); null when it has no contract',
                  ),
              }),
            )
            .describe('Every entity it depends on that the caller may read'),
          hiddenDependencies: z
            .number()
            .describe('Dependencies the caller may not read (left out)'),
          ...freshnessShape(z),
        }),
    },
    examples: [
      {
        title: 'What checkout promises, needs and depends on',
        input: { entity: 'checkout' },
      },
    ],
    action: async ({ input, credentials }) => {
      const ref = resolveEntityRef(input.entity);
      const { s, visibility, body } = await views.entity(credentials, ref);
      const edges = s.items.edges.all().filter(e => refKey(e.from) === ref);
      const targets = [...new Set(edges.map(e => refKey(e.to)))];
      await visibility.cover([
        ...targets,
        ...edges.flatMap(e => (e.via ? [e.via] : [])),
      ]);
      const readable = targets.filter(t => visibility.canRead(t));
      return {
        output: {
          ...body,
          dependencies: readable.map(to => {
            const contract = s.entities.get(to)?.contract;
            return {
              entityRef: s.entities.get(to)?.summary.ref ?? to,
              needs: edges
                .filter(e => refKey(e.to) === to)
                .map(e => ({
                  kind: e.kind,
                  subject: e.subject,
                  ...(e.via && visibility.canRead(e.via) ? { via: e.via } : {}),
                })),
              promises: contract ? promisesOf(contract) : null,
            };
          }),
          hiddenDependencies: targets.length - readable.length,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'check-contract',
    title: 'Check a proposed contract',
    description: [
      'What-if, before committing a change to a service\u2019s contract (its latency budgets,',
      'timeouts, retries, data freshness needs, promises): the contract findings the whole',
      'catalog would have with the proposed contract in place of the entity\u2019s current one,',
      'without storing anything. Answers the findings that the proposal adds (new conflicts)',
      'and removes (conflicts it resolves), every finding that would involve the entity, and',
      'the problems of the proposed document (file, line, column and path of each).',
      'The contract is YAML in the contract language of Backstage Contracts. It replaces the',
      'whole contract: start from the current one (get-contracts) and change what you mean to',
      'change. An example `contract`:',
      '\n\nservice: checkout\ndepends_on:\n  - service: risk\n    operation: scoreTransaction\n' +
        '    latency_budget: { acceptable: p95 < 5s }\n    timeout: 6s\n',
    ].join(' '),
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entity: entityInput(z),
          contract: z
            .string()
            .optional()
            .describe('The proposed contract: one YAML document'),
          sources: z
            .array(
              z.object({
                file: z.string().min(1).describe('Its name, for problems'),
                text: z.string().describe('Its YAML text'),
              }),
            )
            .optional()
            .describe(
              'Or the proposed contract as several files, merged (as a contracts.io/ref directory)',
            ),
        }),
      output: z =>
        z.object({
          entityRef: z.string(),
          contracts: contractSchema(z).describe('The proposal as parsed'),
          problems: z
            .array(problemSchema(z))
            .describe('Where the proposal does not parse or validate'),
          findings: z
            .array(findingSchema(z))
            .describe('Every finding that would involve the entity'),
          added: z
            .array(findingSchema(z))
            .describe('Findings the proposal would add'),
          removed: z
            .array(findingSchema(z))
            .describe('Findings the proposal would remove (resolve)'),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = resolveEntityRef(input.entity);
      if (input.contract === undefined && input.sources === undefined) {
        throw new InputError(
          'Give the proposed contract: `contract` (YAML text) or `sources`',
        );
      }
      return {
        output: await views.check(credentials, {
          entityRef,
          contract: input.contract,
          sources: input.sources,
        }),
      };
    },
  });

  actionsRegistry.register({
    name: 'list-unanswered-needs',
    title: 'List the needs a team has not answered',
    description: [
      'The needs of other services on the services a team owns that the team has not answered',
      'with any promise: a consumer needs a latency, a data freshness or data of a provider that',
      'has no contract at all (kind "no-contract"), whose contract provides the subject without',
      'that value ("no-value"), or whose contract does not declare the subject ("undeclared").',
      'Grouped per provider and subject, most consumers first, each need with its consumer, what',
      'it expects and where it was written. Use it to see which promises a team should write',
      '(or import) next. Only providers the caller may read are listed; a consumer they may not',
      'read is hidden, with what it expects.',
    ].join(' '),
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          team: z
            .string()
            .min(1)
            .describe(
              'The owning team: a group ref (group:default/risk-team) or a group name (risk-team); a user ref for what a user owns',
            ),
          provider: entityInput(z)
            .optional()
            .describe(
              'Only the needs on this provider (a ref or a service name)',
            ),
        }),
      output: z =>
        z.object({
          groups: z
            .array(
              z.object({
                provider: z.string(),
                owner: z.string().optional(),
                subject: z
                  .string()
                  .describe('The operation, dataset or data needed'),
                kind: z.enum(['no-contract', 'no-value', 'undeclared']),
                aspect: z
                  .string()
                  .describe('latency, freshness, data, operation or dataset'),
                consumers: z.number().describe('Distinct consumers'),
                needs: z.array(
                  z.object({
                    findingId: z.string(),
                    consumer: z.string(),
                    expected: z.string(),
                    location: z
                      .object({ entity: z.string(), ...locationShape(z) })
                      .optional(),
                  }),
                ),
              }),
            )
            .describe('Per provider and subject, most consumers first'),
          ...freshnessShape(z),
        }),
    },
    action: async ({ input, credentials }) => {
      const owner = resolveEntityRef(input.team, 'group');
      const provider =
        input.provider === undefined
          ? undefined
          : resolveEntityRef(input.provider);
      const { s, groups } = await views.unanswered(credentials, {
        owner,
        provider,
      });
      return { output: { groups, ...views.freshness(s) } };
    },
  });

  actionsRegistry.register({
    name: 'explain-finding',
    title: 'Explain a contract finding',
    description: [
      'A contract finding (by the id get-contracts or check-contract gave) explained: the',
      'essay-style explanation (what the consumer expects, what the provider gives, the',
      'status), its impact, the ways to resolve it, who must decide (entity refs of the owners',
      'of both sides and of the groups configured for the rule) and the trade-off decision',
      'records made on it. A finding whose sides the caller may read neither of is not found;',
      'a side they may not read is hidden, with the values compared.',
    ].join(' '),
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          findingId: z.string().min(1).describe('The id of the finding'),
        }),
      output: z =>
        z.object({
          finding: findingSchema(z),
          explanation: z
            .string()
            .describe(
              'The finding in the essay\u2019s form, as the CLI prints it',
            ),
          impact: z.string(),
          resolutions: z.array(z.string()),
          deciders: z.array(z.string()).describe('Who must decide'),
          decisions: z
            .array(decisionSchema(z))
            .describe('The decision records on it, oldest first'),
          ...freshnessShape(z),
        }),
    },
    action: async ({ input, credentials }) => {
      const { s, shown, visibility } = await views.finding(
        credentials,
        input.findingId,
      );
      const [finding] = decisions.withStatus([shown]);
      return {
        output: {
          finding,
          explanation: formatFinding(finding),
          impact: finding.impact,
          resolutions: finding.resolutions,
          deciders: finding.deciders ?? [],
          decisions: redactDecisions(
            decisions.forFinding(finding.id),
            visibility,
          ),
          ...views.freshness(s),
        },
      };
    },
  });
}
