/*
 * The pieces the contracts actions' schemas share. The actions registry gives each schema
 * function its own zod (`zod/v3`); these build on it. An output schema strips the keys it does
 * not name: a finding's and a problem's are all named; contracts and decision records, large
 * documents of their own, are passed as they are.
 */
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { ActionsRegistryActionOptions } from '@backstage/backend-plugin-api/alpha';

/**
 * The zod the actions registry hands to a schema function: the one `@backstage/backend-plugin-api`
 * is typed with (which may be another copy than this package's own `zod`; mixing the two makes
 * the type checker compare them structurally, without end).
 */
export type Zod = Parameters<
  ActionsRegistryActionOptions<any, any>['schema']['input']
>[0];

/** The input naming an entity: a ref or a service name. */
export const entityInput = (z: Zod) =>
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
export const locationShape = (z: Zod) => ({
  file: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
  path: z.string(),
});

/** A finding as the report and the REST API give it (redacted for the caller). */
export const findingSchema = (z: Zod) =>
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
export const problemSchema = (z: Zod) =>
  z.object({
    entity: z.string(),
    ...locationShape(z),
    message: z.string(),
  });

/**
 * A trade-off decision record (redacted for the caller), as the REST API gives it: title,
 * context, options, decision, rationale, deciders, signatures, status, review date.
 */
export const decisionSchema = (z: Zod) =>
  z
    .unknown()
    .describe(
      'A trade-off decision record: title, context, options, decision, rationale, deciders, ' +
        'signatures, awaiting (deciders yet to sign), status, reviewBy',
    );

/** A parsed contract document (the REST API's `contracts`), as it is. */
export const contractSchema = (z: Zod) =>
  z
    .unknown()
    .describe(
      'The contract as parsed: dependsOn (calls, with latency budgets, timeouts, retries), ' +
        'dataDependencies, requires (data access), retryPolicies (what it needs); operations, ' +
        'datasets, endpoints, idempotency (what it promises); each value with where it was written',
    );

/** How current the graph is (the REST API's freshness fields). */
export const freshnessShape = (z: Zod) => ({
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
