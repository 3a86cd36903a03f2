/*
 * What a caller is shown of findings and decisions that involve entities they may not read
 * (see CatalogVisibility): pure functions over a Visibility.
 */
import {
  type Finding,
  HIDDEN_ENTITY,
} from '@backstage-contracts/plugin-contracts-common';
import type { Visibility } from './CatalogVisibility';

/** The entities a finding names: its parties, its chain, where it was written. */
export function findingRefs(finding: Finding): string[] {
  return [
    finding.consumer,
    finding.provider,
    ...(finding.chain ?? []),
    ...(finding.location ? [finding.location.entity] : []),
  ];
}

/** The entities a decision record names: the parties of its finding. */
export function decisionRefs(decision: {
  consumer: string;
  provider: string;
}): string[] {
  return [decision.consumer, decision.provider];
}

/**
 * A finding as the caller may see it:
 * - both parties readable (and every entity of its chain): the finding itself;
 * - neither party readable: `undefined` (absent, as if it did not exist);
 * - otherwise the unreadable party's ref is {@link HIDDEN_ENTITY} and `hidden` names that side.
 *   What the rules write of the two sides cannot be told apart (a consumer's `expected` may be
 *   the provider's value — idempotency-key expects the provider's key, timeout-ordering names the
 *   provider in it), so every text built from the contracts is left out: `expected` and
 *   `actual` are '', `impact` '', `resolutions` [], `message` is the title, `location` is
 *   removed, and unreadable refs of `chain` are {@link HIDDEN_ENTITY}. The id, rule, severity,
 *   status, subject, title, evidence hash and deciders stay.
 *
 * An unreadable entity inside the chain (both parties readable) is redacted the same way,
 * without a `hidden` side: the values were computed through it.
 */
export function redactFinding<F extends Finding>(
  finding: F,
  visibility: Visibility,
): F | undefined {
  if (visibility.all) return finding;
  const consumerHidden = !visibility.canRead(finding.consumer);
  const providerHidden = !visibility.canRead(finding.provider);
  if (consumerHidden && providerHidden) return undefined;
  const chainHidden =
    finding.chain?.some(ref => !visibility.canRead(ref)) ?? false;
  const locationHidden =
    finding.location !== undefined &&
    !visibility.canRead(finding.location.entity);
  if (!consumerHidden && !providerHidden && !chainHidden && !locationHidden) {
    return finding;
  }
  const hidden: Array<'consumer' | 'provider'> = [];
  if (consumerHidden) hidden.push('consumer');
  if (providerHidden) hidden.push('provider');
  const { location: _location, hidden: _hidden, ...rest } = finding;
  return {
    ...rest,
    consumer: consumerHidden ? HIDDEN_ENTITY : finding.consumer,
    provider: providerHidden ? HIDDEN_ENTITY : finding.provider,
    expected: '',
    actual: '',
    impact: '',
    resolutions: [],
    message: finding.title,
    ...(finding.chain
      ? {
          chain: finding.chain.map(ref =>
            visibility.canRead(ref) ? ref : HIDDEN_ENTITY,
          ),
        }
      : {}),
    ...(hidden.length ? { hidden } : {}),
  } as unknown as F;
}

/** {@link redactFinding} over a list: the absent findings dropped; the list itself when all are visible. */
export function redactFindings<F extends Finding>(
  findings: readonly F[],
  visibility: Visibility,
): F[] {
  if (visibility.all) return findings as F[];
  const out: F[] = [];
  for (const f of findings) {
    const shown = redactFinding(f, visibility);
    if (shown) out.push(shown);
  }
  return out;
}

/**
 * A decision record as the caller may see it: `undefined` (absent; 404 by id) when neither party
 * of its finding is readable, else the unreadable party's ref replaced by {@link HIDDEN_ENTITY}.
 * The record's own texts (title, context, options, decision, rationale) are what people wrote
 * and stay, as do its deciders and signatures.
 */
export function redactDecision<
  D extends { consumer: string; provider: string },
>(decision: D, visibility: Visibility): D | undefined {
  if (visibility.all) return decision;
  const consumerHidden = !visibility.canRead(decision.consumer);
  const providerHidden = !visibility.canRead(decision.provider);
  if (consumerHidden && providerHidden) return undefined;
  if (!consumerHidden && !providerHidden) return decision;
  return {
    ...decision,
    consumer: consumerHidden ? HIDDEN_ENTITY : decision.consumer,
    provider: providerHidden ? HIDDEN_ENTITY : decision.provider,
  };
}

/** {@link redactDecision} over a list: the absent records dropped; the list itself when all are visible. */
export function redactDecisions<
  D extends { consumer: string; provider: string },
>(decisions: readonly D[], visibility: Visibility): D[] {
  if (visibility.all) return decisions as D[];
  const out: D[] = [];
  for (const d of decisions) {
    const shown = redactDecision(d, visibility);
    if (shown) out.push(shown);
  }
  return out;
}
