import { capitalize, entityName } from '../format';
import {
  Call,
  Hop,
  MAX_WALK_DEPTH,
  MAX_WALK_VISITS,
  callsFrom,
  resolvedCalls,
} from '../paths';
import type { ContractRule, FindingDraft, RuleContext } from '../types';
import { chainEdges } from './util';
import { lower, sameRef } from '../refs';

interface Amplified {
  path: Hop[];
  factors: number[];
  product: number;
}

/**
 * Depth-first from a first call, multiplying attempts, until the product exceeds the bound;
 * never revisits an entity on the current path, and skips an entity already reached with at
 * least the same product (attempts never decrease a product), so it terminates on cycles.
 */
function amplify(
  ctx: RuleContext,
  head: string,
  first: Call,
  firstTarget: string,
  bound: number,
): Amplified | undefined {
  const best = new Map<string, number>();
  // The head is on every path: a chain never comes back to it.
  const onPath = new Set<string>([lower(head)]);
  let visits = 0;
  // The current chain as stacks, copied only when it amplifies beyond the bound.
  const refs: string[] = [firstTarget];
  const subjects: string[] = [first.operation ?? '*'];
  const factors: number[] = [first.attempts];
  const walk = (at: string, product: number): Amplified | undefined => {
    const key = lower(at);
    if (onPath.has(key)) {
      return undefined;
    }
    if (product > bound) {
      return {
        path: refs.map((ref, i) => ({ ref, subject: subjects[i] })),
        factors: factors.slice(),
        product,
      };
    }
    if (
      (best.get(key) ?? 0) >= product ||
      refs.length >= MAX_WALK_DEPTH ||
      visits >= MAX_WALK_VISITS
    ) {
      return undefined;
    }
    visits++;
    best.set(key, product);
    onPath.add(key);
    try {
      for (const { call, target } of callsFrom(ctx, at)) {
        if (!target) {
          continue;
        }
        refs.push(target.ref);
        subjects.push(call.operation ?? '*');
        factors.push(call.attempts);
        const found = walk(target.ref, product * call.attempts);
        refs.pop();
        subjects.pop();
        factors.pop();
        if (found) {
          return found;
        }
      }
      return undefined;
    } finally {
      onPath.delete(key);
    }
  };
  return walk(firstTarget, first.attempts);
}

/**
 * `retry-amplification`: attempts multiply along a call chain beyond the configured bound
 * (`retryAmplificationBound`, default 10). Reported from each entity whose own call retries
 * (the head of the chain), naming the first entity that receives more than the bound, with the
 * chain and the attempts per hop in the evidence.
 * @public
 */
export const retryAmplificationRule: ContractRule = {
  id: 'retry-amplification',
  title: 'Retry amplification',
  defaultSeverity: 'warning',
  description:
    'Attempts multiply along a call chain beyond a configured bound (default: more than 10).',
  evaluate(anchor, ctx) {
    const head = anchor.entityRef;
    const bound = ctx.settings.retryAmplificationBound;
    const drafts: FindingDraft[] = [];
    for (const { call, target } of resolvedCalls(ctx, anchor)) {
      if (call.attempts < 2) {
        continue;
      }
      if (!target || sameRef(target.ref, head)) {
        continue;
      }
      const found = amplify(ctx, head, call, target.ref, bound);
      if (!found) {
        continue;
      }
      const tail = found.path[found.path.length - 1].ref;
      const h = entityName(head);
      const t = entityName(tail);
      const chainNames = [head, ...found.path.map(x => x.ref)].map(entityName);
      const product = found.factors.join(' × ');
      drafts.push({
        consumer: head,
        provider: tail,
        subject: call.operation ?? '*',
        title: 'Retry amplification',
        expected: `at most ${bound} attempts per request`,
        actual: `${found.product} attempts (${product})`,
        impact: `One request to ${h} can reach ${t} ${
          found.product
        } times: a slow ${t} gets retry storms (${chainNames.join(' → ')})`,
        resolutions: [
          `${h}: Retry less, or only where the failure is not retried below (retry budget)`,
          `${
            chainNames[chainNames.length - 2]
          }: Stop retrying ${t} (retry budget)`,
        ],
        evidence: {
          bound,
          chain: [head, ...found.path.map(x => x.ref)],
          attempts: found.factors,
        },
        details: [
          `${h} retries: ${chainNames.join(' → ')} (${product})`,
          `${t} receives: up to ${found.product} attempts per request (bound ${bound})`,
        ],
        action: `${capitalize(
          h,
        )} and the services below must agree on one retrying layer`,
        chain: [head, ...found.path.map(x => x.ref)],
        location: call.loc,
        edges: chainEdges(head, found.path),
      });
    }
    return drafts;
  },
};
