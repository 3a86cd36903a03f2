/*
 * The calls an entity's contract makes (depends_on and retry_policies merged): a pure reading
 * of the contract, kept with it by the catalog index while it does not change.
 */
import type {
  ContractDependency,
  EntityContract,
  EntitySummary,
  IdempotencySpec,
  ProvidedOperation,
  RetryPolicy,
  SourceLocation,
} from '../types';
import type { RuleContext } from './types';
import { sameRef } from './refs';

/** One call an entity makes: a `depends_on` entry and/or a retry policy on the same target. */
export interface Call {
  /** The target ref as the contract resolved it. */
  ref: string;
  service: string;
  operation?: string;
  dependency?: ContractDependency;
  policy?: RetryPolicy;
  /** Attempts per request: see {@link attemptsOf}. */
  attempts: number;
  /**
   * The timeout of one attempt ({@link attemptTimeoutMs}), as {@link callsOf} found it: walks
   * down call chains read it at every hop.
   */
  attemptMs?: number;
  loc: SourceLocation;
}

/**
 * Attempts per request. A retry policy on the target means the consumer retries it: its
 * `max_attempts`, else the dependency's `retry` when that allows more than one attempt, else 2
 * (the policy says what happens on a retry, so there is at least one). Without a policy, the
 * dependency's `retry` (`none` is 1), else 1.
 */
export function attemptsOf(
  dependency: ContractDependency | undefined,
  policy: RetryPolicy | undefined,
): number {
  const depAttempts = dependency?.retry?.maxAttempts;
  if (policy) {
    if (policy.maxAttempts !== undefined) {
      return Math.max(1, policy.maxAttempts);
    }
    return depAttempts !== undefined && depAttempts > 1 ? depAttempts : 2;
  }
  return Math.max(1, depAttempts ?? 1);
}

/**
 * How long one attempt of a call may last: the retry's `per_try_timeout`, else the call's
 * `timeout`; undefined when the contract gives neither.
 */
export function attemptTimeoutMs(call: Call): number | undefined {
  return call.dependency?.retry?.perTryTimeoutMs ?? call.dependency?.timeoutMs;
}

/**
 * The calls of a contract, `depends_on` order first, then policies on other targets. Computed
 * afresh: rules reach them memoized through {@link resolvedCalls}.
 */
export function callsOf(contract: EntityContract | undefined): Call[] {
  if (!contract) {
    return [];
  }
  // Made at the most calls there can be and cut to those made (an array grown by `push` from
  // empty reserves 16 slots or more: ~0.9 MB of garbage at 10k contracts).
  const calls: Call[] = new Array(
    contract.dependsOn.length + contract.retryPolicies.length,
  );
  let n = 0;
  for (const dependency of contract.dependsOn) {
    if (findCall(calls, n, dependency.ref, dependency.operation)) {
      continue;
    }
    // Every call made with the same fields in the same order (one shape for the walks).
    const call: Call = {
      ref: dependency.ref,
      service: dependency.service,
      operation: dependency.operation,
      dependency,
      policy: undefined,
      attempts: 1,
      attemptMs: undefined,
      loc: dependency.loc,
    };
    calls[n++] = call;
  }
  let wholeService = false;
  for (const policy of contract.retryPolicies) {
    wholeService ||= policy.operation === undefined;
    const existing =
      findCall(calls, n, policy.ref, policy.operation) ??
      // a policy without an operation applies to every call to that service
      (policy.operation === undefined
        ? undefined
        : findCall(calls, n, policy.ref, undefined));
    if (existing) {
      if (!existing.policy) {
        existing.policy = policy;
      }
      continue;
    }
    const call: Call = {
      ref: policy.ref,
      service: policy.target.split('.')[0],
      operation: policy.operation,
      dependency: undefined,
      policy,
      attempts: 1,
      attemptMs: undefined,
      loc: policy.loc,
    };
    calls[n++] = call;
  }
  calls.length = n;
  if (wholeService) {
    for (const call of calls) {
      if (!call.policy) {
        call.policy = contract.retryPolicies.find(
          p => p.operation === undefined && sameRef(p.ref, call.ref),
        );
      }
    }
  }
  for (const call of calls) {
    call.attempts = attemptsOf(call.dependency, call.policy);
    call.attemptMs = attemptTimeoutMs(call);
  }
  return calls;
}

/**
 * The call to a target (refs compared ignoring case) and operation (none is '') among the
 * first `n` calls: a contract makes a handful of calls, scanned rather than keyed (no string
 * made per call).
 */
function findCall(
  calls: Call[],
  n: number,
  ref: string,
  op: string | undefined,
): Call | undefined {
  for (let i = 0; i < n; i++) {
    const c = calls[i];
    if ((c.operation ?? '') === (op ?? '') && sameRef(c.ref, ref)) {
      return c;
    }
  }
  return undefined;
}

/**
 * A call with its target entity as the catalog resolves it now, the target's contract and, in
 * it, the called operation's `provides` and `operations` entries. Those two are looked up when
 * first read: drawing the edges needs only the target, and most rules read one of them or none
 * (bench:floor 10k: the target contracts' operations and idempotency read for each of 16,664
 * calls cost ~6 of the engine's ~90 ms without rules, random reads of memory).
 */
export class ResolvedCall {
  private op?: ProvidedOperation | null = undefined;
  private spec?: IdempotencySpec | null = undefined;

  constructor(
    readonly call: Call,
    readonly target: EntitySummary | undefined,
    /** The target's contract. */
    readonly contract: EntityContract | undefined,
  ) {}

  /** The target's `provides[].operation` for the called operation. */
  get operation(): ProvidedOperation | undefined {
    if (this.op === undefined) {
      this.op = named(this.contract?.operations, this.call.operation);
    }
    return this.op ?? undefined;
  }

  /** The target's `operations[]` entry for the called operation. */
  get idempotency(): IdempotencySpec | undefined {
    if (this.spec === undefined) {
      this.spec = named(this.contract?.idempotency, this.call.operation);
    }
    return this.spec ?? undefined;
  }
}

/** The first item named `name` (none: null), when there is a name. */
function named<T extends { name: string }>(
  items: T[] | undefined,
  name: string | undefined,
): T | null {
  if (items && name) {
    for (const item of items) {
      if (item.name === name) {
        return item;
      }
    }
  }
  return null;
}

/** The calls of a contract with their targets resolved through any {@link RuleContext}. */
export function resolveCalls(
  ctx: RuleContext,
  contract: EntityContract,
): ResolvedCall[] {
  const calls = callsOf(contract);
  // Made at its length: an array grown by `push` from empty reserves 16 slots or more (a
  // contract makes one or two calls; kept for the analysis with the memo).
  const out: ResolvedCall[] = new Array(calls.length);
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i];
    const target = ctx.resolve(call.ref);
    out[i] = new ResolvedCall(call, target, target && ctx.contract(target.ref));
  }
  return out;
}
