import type {
  ContractDependency,
  DiscoveredFact,
  EntityContract,
  RetryPolicy,
  Severity,
} from '../../types';
import { entityName, formatMs } from '../format';
import type { ContractRule, FindingDraft, RuleContext } from '../types';
import { lower } from '../refs';

/** `src/risk/client.ts:42` */
function at(fact: DiscoveredFact): string {
  return `${fact.file}:${fact.line}`;
}

/** `contracts/dependencies.yaml:10` */
function declaredAt(loc: { file?: string; line?: number }): string {
  return loc.file ? ` (${loc.file}${loc.line ? `:${loc.line}` : ''})` : '';
}

/** Attempts in all, the first included. */
function totalAttempts(fact: DiscoveredFact): number | undefined {
  if (fact.attempts === undefined) return undefined;
  return fact.counts === 'retries' ? fact.attempts + 1 : fact.attempts;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The calls of the contract to one target: its `depends_on` entries and retry policies. */
interface TargetCalls {
  provider: string;
  dependencies: ContractDependency[];
  policies: RetryPolicy[];
}

/** The entity ref a fact's target names, resolved like a contract's service names. */
function targetRef(
  target: string,
  anchor: EntityContract,
  ctx: RuleContext,
): string {
  const namespace = /^[^:]+:([^/]+)\//.exec(anchor.entityRef)?.[1] ?? 'default';
  let written = target.trim();
  if (!written.includes(':')) {
    written = `component:${
      written.includes('/') ? written : `${namespace}/${written}`
    }`;
  }
  return lower(ctx.resolve(written)?.ref ?? written);
}

function callsTo(
  provider: string,
  anchor: EntityContract,
  ctx: RuleContext,
): TargetCalls {
  const resolved = (ref: string) =>
    lower(ctx.resolve(ref)?.ref ?? ref);
  return {
    provider,
    dependencies: anchor.dependsOn.filter(d => resolved(d.ref) === provider),
    policies: anchor.retryPolicies.filter(p => resolved(p.ref) === provider),
  };
}

/** The subject of a drift finding: the operation (or the service) and what drifted. */
function subject(calls: TargetCalls, what: string): string {
  const operation =
    calls.dependencies.find(d => d.operation)?.operation ??
    calls.policies.find(p => p.operation)?.operation;
  return `${operation ?? entityName(calls.provider)} (${what})`;
}

/** The call edge a finding lies on, when the contract declares one. */
function edgesOf(anchor: EntityContract, calls: TargetCalls) {
  const first = calls.dependencies[0] ?? calls.policies[0];
  if (!first) return [];
  return [
    {
      from: anchor.entityRef,
      to: first.ref,
      subject: first.operation ?? '*',
    },
  ];
}

function draft(
  anchor: EntityContract,
  calls: TargetCalls,
  what: string,
  parts: {
    severity?: Severity;
    declared: string;
    code: string;
    facts: DiscoveredFact[];
    line: string;
    action: string;
    location?: FindingDraft['location'];
  },
): FindingDraft {
  const consumer = anchor.entityRef;
  const c = entityName(consumer);
  return {
    severity: parts.severity,
    consumer,
    provider: calls.provider,
    subject: subject(calls, what),
    title: 'Contract drift',
    expected: parts.declared,
    actual: parts.code,
    impact: `${c}'s contract no longer says what its code does: the checks of its callers and callees use the declared value`,
    resolutions: [
      `${c}: change the code to match the contract`,
      `${c}: update the contract to what the code does (contracts discover proposes it)`,
    ],
    evidence: {
      what,
      declared: parts.declared,
      facts: parts.facts.map(f => ({
        kind: f.kind,
        file: f.file,
        line: f.line,
        ms: f.ms,
        attempts: f.attempts,
        counts: f.counts,
      })),
    },
    details: [
      parts.line,
      ...parts.facts.map(
        f => `  ${at(f)}:${f.column}: ${f.written.replace(/\s+/g, ' ')}`,
      ),
    ],
    action: parts.action,
    location: parts.location,
    edges: edgesOf(anchor, calls),
  };
}

function timeoutDrift(
  anchor: EntityContract,
  calls: TargetCalls,
  facts: DiscoveredFact[],
): FindingDraft[] {
  const timed = facts.filter(f => f.kind === 'timeout' && f.ms !== undefined);
  if (!timed.length) return [];
  const declared = calls.dependencies.find(d => d.timeoutMs !== undefined);
  const c = entityName(anchor.entityRef);
  const p = entityName(calls.provider);
  if (!declared) {
    if (!calls.dependencies.length) return [];
    const f = timed[0];
    return [
      draft(anchor, calls, 'timeout', {
        severity: 'info',
        declared: 'no timeout declared',
        code: `${formatMs(f.ms!)} at ${at(f)}`,
        facts: timed,
        line: `declares no timeout on ${p}; code uses ${formatMs(
          f.ms!,
        )} at ${at(f)}`,
        action: `${c}: declare \`timeout: ${formatMs(f.ms!)}\` on ${p}`,
        location: calls.dependencies[0].loc,
      }),
    ];
  }
  const differing = timed.filter(f => f.ms !== declared.timeoutMs);
  if (!differing.length) return [];
  const f = differing[0];
  const ms = declared.timeoutMs!;
  return [
    draft(anchor, calls, 'timeout', {
      declared: `timeout ${formatMs(ms)}`,
      code: `${formatMs(f.ms!)} at ${at(f)}`,
      facts: differing,
      line: `declared timeout ${formatMs(ms)}${declaredAt(
        declared.loc,
      )}; code uses ${formatMs(f.ms!)} at ${at(f)}`,
      action: `${c}: make the code's timeout on ${p} ${formatMs(
        ms,
      )}, or declare ${formatMs(f.ms!)}`,
      location: declared.loc,
    }),
  ];
}

function retryDrift(
  anchor: EntityContract,
  calls: TargetCalls,
  facts: DiscoveredFact[],
): FindingDraft[] {
  const retries = facts.filter(
    f => f.kind === 'retry' && totalAttempts(f) !== undefined,
  );
  if (!retries.length) return [];
  // As the engine reads a contract (attemptsOf): a policy's max_attempts; a policy without one
  // means the call is retried (two attempts at least), whatever the dependency's `retry` says;
  // else the dependency's `retry`.
  const counted = calls.policies.find(x => x.maxAttempts !== undefined);
  const retried = calls.policies[0];
  const dependency = calls.dependencies.find(
    d => d.retry?.maxAttempts !== undefined,
  );
  let declared: {
    attempts: number;
    atLeast: boolean;
    written: string;
    loc: FindingDraft['location'];
  };
  if (counted) {
    declared = {
      attempts: counted.maxAttempts!,
      atLeast: false,
      written: `max_attempts: ${counted.maxAttempts}`,
      loc: counted.loc,
    };
  } else if (retried) {
    declared = {
      attempts: 2,
      atLeast: true,
      written: `a retry policy on ${retried.target}`,
      loc: retried.loc,
    };
  } else if (dependency) {
    declared = {
      attempts: dependency.retry!.maxAttempts!,
      atLeast: false,
      written: `retry: ${dependency.retry!.raw}`,
      loc: dependency.loc,
    };
  } else return [];
  const differing = retries.filter(f =>
    declared.atLeast
      ? totalAttempts(f)! < declared.attempts
      : totalAttempts(f) !== declared.attempts,
  );
  if (!differing.length) return [];
  const f = differing[0];
  const code = totalAttempts(f)!;
  const shown = declared.atLeast
    ? `${declared.written} (${declared.attempts} attempts at least)`
    : `${declared.written} (${plural(declared.attempts, 'attempt')})`;
  const c = entityName(anchor.entityRef);
  return [
    draft(anchor, calls, 'retry', {
      declared: shown,
      code: `${plural(code, 'attempt')} at ${at(f)}`,
      facts: differing,
      line: `declared ${shown}${declaredAt(
        declared.loc ?? {},
      )}; code makes ${plural(code, 'attempt')} at ${at(f)}`,
      action: `${c}: make the code's attempts on ${entityName(
        calls.provider,
      )} ${declared.attempts}, or declare ${code}`,
      location: declared.loc,
    }),
  ];
}

function newIdDrift(
  anchor: EntityContract,
  calls: TargetCalls,
  facts: DiscoveredFact[],
): FindingDraft[] {
  const minted = facts.filter(f => f.kind === 'new-id-in-retry');
  if (!minted.length) return [];
  const stated = calls.policies.find(
    x => x.newRequestIdOnTimeout !== undefined,
  );
  if (stated?.newRequestIdOnTimeout === true) return [];
  const f = minted[0];
  const c = entityName(anchor.entityRef);
  if (!stated) {
    return [
      draft(anchor, calls, 'request id on retry', {
        severity: 'info',
        declared: 'not declared',
        code: `new request id on retry at ${at(f)}`,
        facts: minted,
        line: `declares nothing about request ids on retry to ${entityName(
          calls.provider,
        )}; code makes a new one at ${at(f)}`,
        action: `${c}: declare \`on_timeout: { generates_new_request_id: true }\` in a retry policy on ${entityName(
          calls.provider,
        )}, or keep the id across retries`,
        location: calls.dependencies[0]?.loc ?? calls.policies[0]?.loc,
      }),
    ];
  }
  return [
    draft(anchor, calls, 'request id on retry', {
      declared: 'generates_new_request_id: false',
      code: `new request id on retry at ${at(f)}`,
      facts: minted,
      line: `declared generates_new_request_id: false${declaredAt(
        stated.loc,
      )}; code makes a new request id on retry at ${at(f)}`,
      action: `${c}: keep the request id across retries, or declare it`,
      location: stated.loc,
    }),
  ];
}

/**
 * A read through a replica of a source the contract declares no data dependency on (the source
 * itself or an entity tied to it in the catalog): how fresh the data must be is not written
 * down, so `data-freshness` cannot check it.
 */
function replicaDrift(
  anchor: EntityContract,
  calls: TargetCalls,
  facts: DiscoveredFact[],
  ctx: RuleContext,
): FindingDraft[] {
  const reads = facts.filter(f => f.kind === 'replica-read');
  if (!reads.length) return [];
  const source = lower(calls.provider);
  const near = new Set([
    source,
    ...ctx.tiedEntities(calls.provider).map(r => lower(r)),
  ]);
  const declared = anchor.dataDependencies.some(d => {
    const ref = lower(ctx.resolve(d.ref)?.ref ?? d.ref);
    return (
      near.has(ref) ||
      ctx.tiedEntities(ref).some(r => lower(r) === source)
    );
  });
  if (declared) return [];
  const f = reads[0];
  const p = entityName(calls.provider);
  return [
    {
      ...draft(anchor, calls, 'replica read', {
        severity: 'info',
        declared: `no data dependency on ${p}`,
        code: `reads ${p} through a replica at ${at(f)}`,
        facts: reads,
        line: `declares no data dependency on ${p}; code reads it through a replica at ${at(
          f,
        )}`,
        action: `${entityName(
          anchor.entityRef,
        )}: declare the data it reads from ${p} in \`data_dependencies\`, with \`freshness_required\``,
      }),
      edges: [],
    },
  ];
}

function undeclaredCall(
  anchor: EntityContract,
  calls: TargetCalls,
  facts: DiscoveredFact[],
): FindingDraft[] {
  const calling = facts.filter(
    f =>
      f.kind === 'timeout' ||
      f.kind === 'retry' ||
      f.kind === 'new-id-in-retry',
  );
  if (!calling.length) return [];
  const f = calling[0];
  const p = entityName(calls.provider);
  return [
    {
      ...draft(anchor, calls, 'undeclared call', {
        severity: 'info',
        declared: `no dependency on ${p}`,
        code: `calls ${p} at ${at(f)}`,
        facts: calling,
        line: `declares no dependency on ${p}; code calls it at ${at(f)}`,
        action: `${entityName(
          anchor.entityRef,
        )}: declare the call in \`depends_on\``,
      }),
      edges: [],
    },
  ];
}

/**
 * `contract-drift`: what `contracts discover` found in an entity's code and shipped
 * configuration (its contract's `discovered` facts) disagrees with what the contract declares
 * for the same target: a timeout, the number of attempts, a new request id on retry. A value
 * the code states and the contract does not, or a call to a service the contract does not
 * declare, is reported at `info`. Facts without a target or without a resolved value never
 * count: nothing is guessed.
 * @public
 */
export const contractDriftRule: ContractRule = {
  id: 'contract-drift',
  title: 'Contract drift',
  defaultSeverity: 'warning',
  description:
    'Discovered code (timeout, retries, new ids) disagrees with the declared contract.',
  evaluate(anchor, ctx) {
    const facts = anchor.discovered;
    if (!facts?.length) return [];
    const byTarget = new Map<string, DiscoveredFact[]>();
    for (const fact of facts) {
      if (!fact.target) continue;
      const ref = targetRef(fact.target, anchor, ctx);
      if (ref === lower(anchor.entityRef)) continue;
      const list = byTarget.get(ref);
      if (list) list.push(fact);
      else byTarget.set(ref, [fact]);
    }
    const drafts: FindingDraft[] = [];
    for (const [ref, targetFacts] of byTarget) {
      const calls = callsTo(ref, anchor, ctx);
      const provider = ctx.resolve(ref)?.ref ?? ref;
      calls.provider = provider;
      drafts.push(...replicaDrift(anchor, calls, targetFacts, ctx));
      if (!calls.dependencies.length && !calls.policies.length) {
        drafts.push(...undeclaredCall(anchor, calls, targetFacts));
        continue;
      }
      drafts.push(
        ...timeoutDrift(anchor, calls, targetFacts),
        ...retryDrift(anchor, calls, targetFacts),
        ...newIdDrift(anchor, calls, targetFacts),
      );
    }
    return drafts;
  },
};
