import { capitalize, entityName, formatMs } from '../format';
import type { EntityContract } from '../../types';
import { Call, Hop, enterWalk, memoKey, resolvedCalls } from '../paths';
import type { ContractRule, FindingDraft, RuleContext } from '../types';
import { chainEdges } from './util';
import { lower, sameRef } from '../refs';

interface DownstreamWait {
  /** Longest time the callee may keep waiting on its own dependencies: timeout × attempts. */
  ms: number;
  /** The timeout of one attempt of `call` (its `per_try_timeout`, else its `timeout`). */
  attemptMs: number;
  /** The entity holding that timeout. */
  holder: string;
  call: Call;
  /** From the callee to the holder's dependency, inclusive. */
  path: Hop[];
}

/**
 * How long `ref` may wait on its dependencies when serving a call: the longest of its calls'
 * timeout × attempts (each attempt's `per_try_timeout`, else the call's `timeout`); a call
 * without timeout waits as long as its target does. A call's own timeout counts whether or not
 * its target is in the catalog (a database proxy, a third party): the caller's contract says it.
 */
function downstreamWait(
  ctx: RuleContext,
  ref: string,
  op: string,
): DownstreamWait | undefined {
  return ctx.memo(
    memoKey('timeout-ordering', op),
    () => walkWait(ctx, ref, op),
    ref,
  );
}

/** A call without a timeout: the wait passes through it to its target. */
interface PassThrough {
  /** The call's index among the calls of its contract. */
  index: number;
  /** The target's ref, and it as a walk's visited key (`lower`). */
  ref: string;
  key: string;
  contract: EntityContract | undefined;
  operation: string;
}

/**
 * What a walk needs of one contract's calls, read once per contract (walks pass the same
 * entities over and over): its own longest wait — the first call with a timeout giving the
 * most timeout × attempts — and the calls that pass the wait through, in order.
 */
interface WaitStep {
  own?: {
    index: number;
    ms: number;
    attemptMs: number;
    call: Call;
    to: string;
  };
  through: PassThrough[];
}

const NO_STEP: WaitStep = { through: [] };

function waitStep(
  ctx: RuleContext,
  contract: EntityContract | undefined,
): WaitStep {
  const calls = resolvedCalls(ctx, contract);
  if (calls.length === 0) {
    return NO_STEP;
  }
  return ctx.memo(
    'timeout-ordering:step',
    () => {
      const step: WaitStep = { through: [] };
      for (let index = 0; index < calls.length; index++) {
        const { call, target, contract: next } = calls[index];
        // `attemptTimeoutMs`, as `callsOf` noted it on the call.
        const timeout = call.attemptMs;
        if (timeout !== undefined) {
          const ms = timeout * call.attempts;
          if (!step.own || ms > step.own.ms) {
            step.own = {
              index,
              ms,
              attemptMs: timeout,
              call,
              to: target?.ref ?? call.ref,
            };
          }
        } else if (call.operation && target) {
          step.through.push({
            index,
            ref: target.ref,
            key: lower(target.ref),
            contract: next,
            operation: call.operation,
          });
        }
      }
      return step;
    },
    contract,
  );
}

function walkWait(
  ctx: RuleContext,
  ref: string,
  op: string,
): DownstreamWait | undefined {
  const visited = new Set<string>();
  // The walk's tree, one frame per entity entered: its ref, the subject it was entered for,
  // its parent frame and its own longest wait. A walk answers with the frame holding the
  // longest wait below it; the path (the tree's, from the start to that frame) is made once,
  // at the end — made at every level on the way back, its copies were most of what walks
  // allocated (10k walks of up to 64 entities, `yarn bench:findings`).
  const ats: string[] = [];
  const subjects: string[] = [];
  const parents: number[] = [];
  const owns: Array<WaitStep['own']> = [];
  // `contract`: `at`'s, as the call that led here resolved it (its read is among the reads of
  // that resolution, memoized with the caller's calls): no lookup by ref per hop.
  const walk = (
    at: string,
    key: string,
    contract: EntityContract | undefined,
    subject: string,
    depth: number,
    parent: number,
  ): number => {
    if (!enterWalk(visited, key, depth)) {
      return -1;
    }
    const frame = ats.length;
    const step = waitStep(ctx, contract);
    ats.push(at);
    subjects.push(subject);
    parents.push(parent);
    owns.push(step.own);
    // The longest wait further down: the first of the longest, as the calls come.
    let deepest = -1;
    let deepestMs = 0;
    let deepestIndex = -1;
    const through = step.through;
    for (let i = 0; i < through.length; i++) {
      const t = through[i];
      const deeper = walk(
        t.ref,
        t.key,
        t.contract,
        t.operation,
        depth + 1,
        frame,
      );
      if (deeper >= 0 && (deepest < 0 || owns[deeper]!.ms > deepestMs)) {
        deepest = deeper;
        deepestMs = owns[deeper]!.ms;
        deepestIndex = t.index;
      }
    }
    // The longest of all, the first call's on a tie: the own call's or the one further down.
    const own = step.own;
    if (
      own &&
      (deepest < 0 ||
        own.ms > deepestMs ||
        (own.ms === deepestMs && own.index < deepestIndex))
    ) {
      return frame;
    }
    return deepest;
  };
  const holder = walk(ref, lower(ref), ctx.contract(ref), op, 0, -1);
  if (holder < 0) {
    return undefined;
  }
  const own = owns[holder]!;
  const path: Hop[] = [{ ref: own.to, subject: own.call.operation ?? '*' }];
  for (let f = holder; f >= 0; f = parents[f]) {
    path.push({ ref: ats[f], subject: subjects[f] });
  }
  path.reverse();
  return {
    ms: own.ms,
    attemptMs: own.attemptMs,
    holder: ats[holder],
    call: own.call,
    path,
  };
}

/**
 * `timeout-ordering`: a caller gives up before its callee's own downstream timeout (timeout ×
 * attempts), so the callee keeps working for nobody. Calls without a timeout pass the wait
 * through, so the critical hop may be further down the chain; cycles stop the walk.
 * @public
 */
export const timeoutOrderingRule: ContractRule = {
  id: 'timeout-ordering',
  title: 'Timeout ordering violation',
  defaultSeverity: 'warning',
  description:
    "A caller's timeout is not above its callee's own downstream timeout: the caller gives up while the callee still waits.",
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    const drafts: FindingDraft[] = [];
    for (const { call, target } of resolvedCalls(ctx, anchor)) {
      const timeout = call.dependency?.timeoutMs;
      if (timeout === undefined) {
        continue;
      }
      if (!target || sameRef(target.ref, consumer)) {
        continue;
      }
      const op = call.operation ?? '*';
      const wait = downstreamWait(ctx, target.ref, op);
      if (!wait || wait.ms < timeout) {
        continue;
      }
      const c = entityName(consumer);
      const h = entityName(wait.holder);
      const last = wait.path[wait.path.length - 1];
      const waitText = `${
        wait.call.attempts > 1 ? `${wait.call.attempts} × ` : ''
      }${formatMs(wait.attemptMs)} on ${entityName(last.ref)}.${last.subject}`;
      drafts.push({
        consumer,
        provider: wait.holder,
        subject: op,
        title: 'Timeout ordering violation',
        expected: `${h} gives up before ${formatMs(timeout)}`,
        actual: `${h} waits up to ${formatMs(wait.ms)} (${waitText})`,
        impact: `${capitalize(c)} abandons ${op} after ${formatMs(
          timeout,
        )} while ${h} keeps waiting up to ${formatMs(
          wait.ms,
        )}: wasted work, and retries pile onto a busy chain`,
        resolutions: [
          `${c}: Raise the timeout above ${formatMs(wait.ms)} (latency budget)`,
          `${h}: Shorten its downstream timeout below ${formatMs(
            timeout,
          )} (timeouts)`,
        ],
        evidence: { timeout, wait: [wait.holder, wait.ms] },
        details: [
          `${c} gives up: after ${formatMs(timeout)} on ${op}`,
          `${h} waits: up to ${waitText}`,
        ],
        action: `${capitalize(
          h,
        )} must time out before ${c} does (under ${formatMs(timeout)})`,
        chain: [consumer, ...wait.path.map(x => x.ref)],
        location: call.dependency?.loc,
        edges: chainEdges(consumer, wait.path),
      });
    }
    return drafts;
  },
};
