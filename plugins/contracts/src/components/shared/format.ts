import type {
  ContractDependency,
  DataDependency,
  DataRequirement,
  PercentileLatency,
  RetryPolicy,
} from '@backstage-contracts/plugin-contracts-common';

/** `3200` → `3200ms`, `15000` → `15s`. */
export function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms * 1000) / 1000}ms`;
}

export function formatLatencies(list: PercentileLatency[]): string {
  return list.map(l => `p${l.percentile}=${formatMs(l.ms)}`).join(', ');
}

/** The name part of an entity ref: `component:default/risk` → `risk` (any value: as text). */
export function refName(ref: unknown): string {
  if (typeof ref !== 'string') return String(ref ?? '');
  const slash = ref.lastIndexOf('/');
  if (slash >= 0) return ref.slice(slash + 1);
  const colon = ref.indexOf(':');
  return colon >= 0 ? ref.slice(colon + 1) : ref;
}

/** `p95 < 200ms, timeout 500ms, no retry` */
export function describeDependency(d: ContractDependency): string {
  const parts: string[] = [];
  if (d.budget.length) parts.push(d.budget.map(b => b.raw).join(', '));
  if (d.timeoutMs !== undefined) parts.push(`timeout ${formatMs(d.timeoutMs)}`);
  if (d.retry) {
    parts.push(
      d.retry.raw === 'none' || d.retry.maxAttempts === 1
        ? 'no retry'
        : `retry ${d.retry.raw}`,
    );
  }
  if (d.fallback) parts.push(`fallback: ${d.fallback}`);
  return parts.join(', ');
}

export function describeDataDependency(d: DataDependency): string {
  // The parsed bound, not the text (`<10s` would read "fresher than <10s").
  return `dataset ${d.dataset} fresher than ${formatMs(d.freshnessRequiredMs)}${
    d.reason ? ` (${d.reason})` : ''
  }`;
}

export function describeRequirement(r: DataRequirement): string {
  return `${r.data}${r.accessLevel ? ` with access ${r.accessLevel}` : ''}${
    r.useCase ? ` for ${r.useCase}` : ''
  }`;
}

export function describeRetryPolicy(p: RetryPolicy): string {
  const parts = [`retries ${p.target}`];
  if (p.maxAttempts !== undefined)
    parts.push(`up to ${p.maxAttempts} attempts`);
  if (p.newRequestIdOnTimeout !== undefined) {
    parts.push(
      p.newRequestIdOnTimeout
        ? 'with a new request id on timeout'
        : 'with the same request id',
    );
  }
  if (p.backoff) parts.push(`backoff ${p.backoff}`);
  return parts.join(', ');
}
