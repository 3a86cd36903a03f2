/*
 * The contract history in words, one line per item:
 * "Mar 3: risk raised p95 (current) of operation scoreTransaction to 3200ms (from 150ms) —
 * opened latency-budget for checkout".
 */
import { HIDDEN_ENTITY } from '@backstage-contracts/plugin-contracts-common';
import type { ContractValueChange, HistoryItem } from '../../api';
import { refName } from '../shared';

type Change = Extract<HistoryItem, { type: 'change' }>;
type DecisionEvent = Extract<HistoryItem, { type: 'decision' }>;

/** An entity as a sentence names it: its name, or "an entity you cannot see". */
function who(ref: unknown): string {
  if (ref === HIDDEN_ENTITY) return HIDDEN_ENTITY;
  if (typeof ref !== 'string' || !ref) {
    throw new Error(`not an entity ref: ${JSON.stringify(ref)}`);
  }
  return refName(ref);
}

/** `Mar 3` (this year), `Mar 3, 2025` (another year); throws on a time that is not one. */
export function formatDay(at: unknown, now = new Date()): string {
  const date = typeof at === 'string' ? new Date(at) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new Error(`not a time: ${JSON.stringify(at)}`);
  }
  return date.toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/** One change of a contract value: `raised p95 (current) of operation scoreTransaction to 3200ms (from 150ms)`. */
export function describeValueChange(c: ContractValueChange): string {
  const of = c.field ? `${c.field} of ${c.item}` : c.item;
  switch (c.kind) {
    case 'raised':
    case 'lowered':
      return `${c.kind} ${of} to ${c.to}${c.from ? ` (from ${c.from})` : ''}`;
    case 'changed':
      return `changed ${of} from ${c.from} to ${c.to}`;
    case 'added':
      return c.field ? `set ${of} to ${c.to}` : `added ${c.item}`;
    case 'removed':
      return c.field
        ? `dropped ${of}${c.from ? ` (was ${c.from})` : ''}`
        : `removed ${c.item}`;
    default:
      throw new Error(`unknown change ${JSON.stringify((c as any)?.kind)}`);
  }
}

/** What one recompute changed, seen from the entity. */
function describeChange(item: Change): string {
  const contracts = item.contracts.map(c => {
    const name = who(c.entityRef);
    if (c.hidden) return `${name} changed its contract`;
    if (c.change === 'added') return `${name}'s contract was added`;
    if (c.change === 'removed') return `${name}'s contract was removed`;
    const parts = c.changes.map(describeValueChange);
    if (c.more > 0) parts.push(`${c.more} more`);
    return parts.length
      ? `${name} ${parts.join(', ')}`
      : `${name} changed its contract`;
  });
  const findings = item.findings.map(({ change, finding, previous }) => {
    const subject = `${finding.rule} for ${who(finding.consumer)}${
      finding.provider && finding.provider !== finding.consumer
        ? ` on ${who(finding.provider)}`
        : ''
    }`;
    if (change === 'opened') return `opened ${subject}`;
    if (change === 'closed') return `closed ${subject}`;
    if (change === 'changed') {
      return finding.actual && previous?.actual
        ? `${subject} now ${finding.actual} (was ${previous.actual})`
        : `the evidence of ${subject} changed`;
    }
    throw new Error(`unknown finding change ${JSON.stringify(change)}`);
  });
  if (!contracts.length && !findings.length) {
    throw new Error('a change with nothing in it');
  }
  return [contracts.join('; '), findings.join(', ')]
    .filter(Boolean)
    .join(' — ');
}

/** An event of a decision record. */
function describeDecision(d: DecisionEvent): string {
  const actor = who(d.actor);
  const on = `"${d.title}" (${d.rule} for ${who(d.consumer)} on ${who(
    d.provider,
  )})`;
  if (d.event === 'recorded') return `${actor} proposed the decision ${on}`;
  if (d.event === 'withdrawn') return `${actor} withdrew the decision ${on}`;
  if (d.event === 'signed') {
    const verdict = d.verdict === 'reject' ? 'rejected' : 'accepted';
    return `${actor} ${verdict} ${on}${
      d.decider ? ` for ${who(d.decider)}` : ''
    }`;
  }
  throw new Error(`unknown decision event ${JSON.stringify(d.event)}`);
}

/**
 * One history item as a line: its day and what happened. Throws on an item it cannot read
 * (the list shows that item's error in its place).
 */
export function describeHistoryItem(
  item: HistoryItem,
  now = new Date(),
): { day: string; text: string } {
  if (!item || typeof item !== 'object') throw new Error('not an item');
  const day = formatDay(item.at, now);
  if (item.type === 'change') return { day, text: describeChange(item) };
  if (item.type === 'decision') return { day, text: describeDecision(item) };
  throw new Error(`unknown item type ${JSON.stringify((item as any).type)}`);
}
