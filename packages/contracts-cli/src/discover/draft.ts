/*
 * The draft contract of what was discovered: our vocabulary, each value marked `discovered`
 * with where it was found, the code as written in a comment above it. What cannot be a value
 * (several disagreeing timeouts, a value not known statically, a replica read without a
 * freshness need) is a comment, never a guessed value.
 */
import { formatDuration } from '@backstage-contracts/plugin-contracts-common';
import type { DiscoveredFact } from './core';

function where(f: DiscoveredFact): string {
  return `${f.file}:${f.line}:${f.column}`;
}

/** A comment line (one line, no control characters). */
function comment(indent: string, text: string): string {
  return `${indent}# ${text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\p{Cc}/gu, '')}`;
}

/** A YAML scalar: plain when safe, else double-quoted. */
function scalar(text: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(text) &&
    !/^(?:true|false|null|yes|no|on|off|~)$/i.test(text)
    ? text
    : JSON.stringify(text);
}

function describe(f: DiscoveredFact): string {
  let value = f.unresolved ?? '';
  if (f.ms !== undefined) value = formatDuration(f.ms);
  else if (f.attempts !== undefined)
    value = `${f.attempts} ${f.counts === 'retries' ? 'retries' : 'attempts'}`;
  const how = f.resolved && f.resolved !== 'literal' ? ` (${f.resolved})` : '';
  return `${where(f)} ${f.written}${value ? ` → ${value}${how}` : ''}`;
}

/** Attempts in all, the first included. */
export function totalAttempts(f: DiscoveredFact): number | undefined {
  if (f.attempts === undefined) return undefined;
  return f.counts === 'retries' ? f.attempts + 1 : f.attempts;
}

/** The single value all facts agree on, or undefined when they disagree or none resolved. */
function agreed<T>(
  facts: DiscoveredFact[],
  value: (f: DiscoveredFact) => T | undefined,
): { value?: T; fact?: DiscoveredFact } {
  const known = facts.filter(f => value(f) !== undefined);
  if (!known.length) return {};
  const first = value(known[0]);
  return known.every(f => value(f) === first)
    ? { value: first, fact: known[0] }
    : {};
}

export interface DraftOptions {
  service: string;
  /** What was scanned, for the header. */
  scanned: string[];
}

/** The draft contract document. */
export function draftContract(
  facts: DiscoveredFact[],
  options: DraftOptions,
): string {
  const self = options.service.toLowerCase();
  const byTarget = new Map<string, DiscoveredFact[]>();
  const unattributed: DiscoveredFact[] = [];
  const own: DiscoveredFact[] = [];
  for (const f of facts) {
    if (f.kind === 'idempotency-key' && !f.target) own.push(f);
    else if (!f.target) unattributed.push(f);
    else if (f.target.toLowerCase() === self) own.push(f);
    else {
      const list = byTarget.get(f.target);
      if (list) list.push(f);
      else byTarget.set(f.target, [f]);
    }
  }
  const lines: string[] = [
    `# Draft contract of ${
      options.service
    }, discovered by \`contracts discover\` from ${options.scanned.join(
      ', ',
    )}.`,
    '# Each value is marked `discovered` with where it was found; the code it was read from is in',
    '# the comment above it. Values the code does not state statically are comments, not values.',
    '# Review it, then keep what holds as the declared contract.',
    `service: ${scalar(options.service)}`,
  ];
  const dependsOn: string[] = [];
  const policies: string[] = [];
  const data: string[] = [];
  for (const [target, list] of [...byTarget].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const timeouts = list.filter(f => f.kind === 'timeout');
    const retries = list.filter(f => f.kind === 'retry');
    const newIds = list.filter(f => f.kind === 'new-id-in-retry');
    const replicas = list.filter(f => f.kind === 'replica-read');
    const keys = list.filter(f => f.kind === 'idempotency-key');
    if (timeouts.length || retries.length || newIds.length || keys.length) {
      const item: string[] = [`  - service: ${scalar(target)}`];
      const marks: string[] = [];
      const t = agreed(timeouts, f => f.ms);
      for (const f of timeouts)
        item.push(comment('    ', `timeout: ${describe(f)}`));
      if (t.value !== undefined) {
        item.push(`    timeout: ${formatDuration(t.value)}`);
        marks.push(`      timeout: ${scalar(where(t.fact!))}`);
      } else if (timeouts.some(f => f.ms !== undefined)) {
        item.push(
          comment(
            '    ',
            'timeout: the code uses several values; declare the one callers can rely on',
          ),
        );
      }
      const r = agreed(retries, totalAttempts);
      for (const f of retries)
        item.push(comment('    ', `retry: ${describe(f)}`));
      if (r.value !== undefined) {
        item.push(`    retry: ${r.value}`);
        marks.push(`      retry: ${scalar(where(r.fact!))}`);
      }
      for (const f of keys)
        item.push(comment('    ', `idempotency key sent: ${describe(f)}`));
      if (marks.length) item.push('    discovered:', ...marks);
      dependsOn.push(...item);
      if (newIds.length) {
        const p: string[] = [`  - target: ${scalar(target)}`];
        for (const f of newIds)
          p.push(comment('    ', `new request id on retry: ${describe(f)}`));
        p.push('    on_timeout:', '      generates_new_request_id: true');
        const pm = [
          `      on_timeout.generates_new_request_id: ${scalar(
            where(newIds[0]),
          )}`,
        ];
        if (r.value !== undefined) {
          p.push(`    max_attempts: ${r.value}`);
          pm.push(`      max_attempts: ${scalar(where(r.fact!))}`);
        }
        p.push('    discovered:', ...pm);
        policies.push(...p);
      }
    }
    for (const f of replicas) {
      data.push(
        comment('', `reads ${target} through a replica: ${describe(f)}`),
      );
      data.push(
        comment(
          '',
          `  declare data_dependencies: - source: ${target}, dataset: …, freshness_required: …`,
        ),
      );
    }
  }
  if (dependsOn.length) lines.push('depends_on:', ...dependsOn);
  if (policies.length) lines.push('retry_policies:', ...policies);
  if (data.length) lines.push(...data);
  for (const f of own) {
    lines.push(
      comment(
        '',
        `${options.service} ${
          f.library?.startsWith('read') || f.library?.startsWith('dedupe')
            ? 'checks'
            : 'uses'
        } an idempotency key: ${describe(f)}`,
      ),
    );
  }
  if (unattributed.length) {
    lines.push(
      '# Found, but the code does not show which service they apply to:',
    );
    for (const f of unattributed)
      lines.push(
        comment(
          '',
          `  ${f.kind}: ${describe(f)}${
            f.targetFrom ? ` [${f.targetFrom}]` : ''
          }`,
        ),
      );
  }
  return `${lines.join('\n')}\n`;
}
