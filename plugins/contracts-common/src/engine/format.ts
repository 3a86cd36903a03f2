/*
 * Text helpers shared by the rules and the report: durations, names, the essay-style message.
 */
import type { PercentileLatency, Severity } from '../types';

/** `3200` → `3200ms`, `15000` → `15s`, `60000` → `60s`, `300000` → `5m`. */
export function formatMs(ms: number): string {
  const rounded = Math.round(ms * 1000) / 1000;
  if (rounded >= 3_600_000 && rounded % 3_600_000 === 0) {
    return `${rounded / 3_600_000}h`;
  }
  if (rounded >= 120_000 && rounded % 60_000 === 0) {
    return `${rounded / 60_000}m`;
  }
  if (rounded >= 1000 && rounded % 1000 === 0) {
    return `${rounded / 1000}s`;
  }
  return `${rounded}ms`;
}

/** `95` → `p95`. */
export function formatPercentile(percentile: number): string {
  return `p${percentile}`;
}

/** `p95 = 3200ms` */
export function formatLatency(l: PercentileLatency): string {
  return `${formatPercentile(l.percentile)} = ${formatMs(l.ms)}`;
}

/** A duration in a free text, e.g. `exponential 200ms` → 200. */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (!text) {
    return undefined;
  }
  const m = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)\b/.exec(text);
  if (!m) {
    return undefined;
  }
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h'
  ];
  return n * unit;
}

/** `velocity_fraud_detection` → `velocity fraud detection`. */
export function humanize(text: string): string {
  return text.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * First letter upper case, for a sentence that begins with `text`. A first word that is an
 * identifier (`www-artist`, `orders-db`, `api.v2`, `s3`) stays as written: `Www-artist` is no
 * name anybody uses.
 */
export function capitalize(text: string): string {
  const first = /^\S*/.exec(text)![0];
  if (!text.length || /[-_.:/\d]/.test(first)) return text;
  return text[0].toUpperCase() + text.slice(1);
}

/** Words that make a reason a sentence of its own (`artists see their own edits`), not a noun phrase. */
const CLAUSE_WORDS = new Set(
  'their its our your his her they we you it is are was were be can cannot must should will would may might do does see sees get gets know knows need needs want wants have has'.split(
    ' ',
  ),
);

/**
 * Whether a humanized reason reads as a clause (`artists see their own profile edits`) rather
 * than a noun phrase (`velocity fraud detection`): they take different words around them.
 */
export function isClause(reason: string): boolean {
  return reason
    .toLowerCase()
    .split(/\s+/)
    .some(word => CLAUSE_WORDS.has(word));
}

/** `for velocity fraud detection`, `so that artists see their own profile edits`. */
export function purposeOf(reason: string): string {
  return isClause(reason) ? `so that ${reason}` : `for ${reason}`;
}

/** The name part of an entity ref: `component:default/risk` → `risk`. */
export function entityName(ref: string): string {
  const slash = ref.lastIndexOf('/');
  if (slash >= 0) {
    return ref.slice(slash + 1);
  }
  const colon = ref.indexOf(':');
  return colon >= 0 ? ref.slice(colon + 1) : ref;
}

/** How a decider is named in `Decision required:`: `group:default/security-team` → `Security`. */
export function deciderName(ref: string): string {
  const name = entityName(ref).replace(/[-_.](team|group|squad)$/i, '');
  return name
    .split(/[-_.]+/)
    .filter(Boolean)
    .map(capitalize)
    .join(' ');
}

/** The header word of a message per severity. */
export const SEVERITY_LABEL: Record<Severity, string> = {
  error: 'ERROR',
  warning: 'WARNING',
  tradeoff: 'TRADE-OFF',
  info: 'INFO',
};

/**
 * The `Status:` of a finding per severity: an error blocks integration, a warning needs
 * attention (it does not block), a trade-off needs a recorded decision.
 * @public
 */
export const SEVERITY_STATUS: Record<Severity, string> = {
  error: 'BLOCKS_INTEGRATION',
  warning: 'NEEDS_ATTENTION',
  tradeoff: 'DECISION_REQUIRED',
  info: 'INFORMATIONAL',
};

/** Composes the essay-style message of a finding. */
export function composeMessage(parts: {
  severity: Severity;
  title: string;
  details: string[];
  notes?: string[];
  action?: string;
  deciders?: string[];
}): string {
  const lines = [`${SEVERITY_LABEL[parts.severity]}: ${parts.title}`];
  for (const d of parts.details) {
    lines.push(`  ${d}`);
  }
  lines.push('');
  lines.push(...(parts.notes ?? []));
  if (parts.severity === 'tradeoff' && parts.deciders?.length) {
    lines.push(
      `Decision required: ${parts.deciders.map(deciderName).join(' + ')}`,
    );
  }
  lines.push(`Status: ${SEVERITY_STATUS[parts.severity]}`);
  if (parts.action) {
    lines.push(`Action: ${parts.action}`);
  }
  return lines.join('\n');
}

/** `Resolutions:` with numbered lines, or `Resolution:` for one. */
export function resolutionLines(resolutions: string[]): string[] {
  if (resolutions.length === 0) {
    return [];
  }
  if (resolutions.length === 1) {
    return [`Resolution: ${resolutions[0]}`];
  }
  return ['Resolutions:', ...resolutions.map((r, i) => `  ${i + 1}. ${r}`)];
}
