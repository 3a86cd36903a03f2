/*
 * What every extractor shares: the fact shape, durations and their units, and naming the
 * service a call goes to from a URL, a client or stub name or a configuration key.
 */
import type {
  DiscoveredFact,
  DiscoveredFactKind,
} from '@backstage-contracts/plugin-contracts-common';

export type { DiscoveredFact, DiscoveredFactKind };

/** A source file to read: its path for facts (relative, `/`) and its text. */
export interface SourceFile {
  /** Relative to the scanned root, `/`-separated. */
  path: string;
  text: string;
}

/** Where the target of a call comes from. */
export interface Target {
  target?: string;
  targetFrom: string;
}

/** A resolved or unresolved value. */
export interface Resolved {
  /** The number (ms for durations, a count for attempts). */
  value?: number;
  /** How: `literal`, `constant X (file:line)`, `0.2 s → 200 ms`. */
  how?: string;
  /** Why not: `timeout from config key RISK_TIMEOUT`. */
  why?: string;
}

/** Builds facts with 1-based positions. */
export function fact(
  kind: DiscoveredFactKind,
  file: string,
  pos: { line: number; column: number },
  written: string,
  language: string,
  parts: Partial<DiscoveredFact> = {},
): DiscoveredFact {
  const out: DiscoveredFact = {
    kind,
    file,
    line: pos.line,
    column: pos.column,
    written: oneLine(written),
    language,
  };
  for (const [key, value] of Object.entries(parts)) {
    if (value !== undefined) (out as any)[key] = value;
  }
  return out;
}

/** Code as written, on one line and bounded, for messages. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Adds a resolved duration to a fact (ms), or why it is not known. */
export function withDuration(
  r: Resolved,
): Pick<DiscoveredFact, 'ms' | 'resolved' | 'unresolved'> {
  if (r.value !== undefined && Number.isFinite(r.value) && r.value >= 0) {
    return { ms: roundMs(r.value), resolved: r.how ?? 'literal' };
  }
  return { unresolved: r.why ?? 'not resolvable statically' };
}

/** Adds resolved attempts to a fact. */
export function withAttempts(
  r: Resolved,
  counts: 'all-tries' | 'retries',
): Pick<DiscoveredFact, 'attempts' | 'counts' | 'resolved' | 'unresolved'> {
  if (r.value !== undefined && Number.isInteger(r.value) && r.value >= 0) {
    return { attempts: r.value, counts, resolved: r.how ?? 'literal' };
  }
  return { counts, unresolved: r.why ?? 'not resolvable statically' };
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Milliseconds per unit name, for `timeout=0.2` (s), `time.Second`, `Duration.ofMillis`… */
export const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  nanosecond: 1e-6,
  nanoseconds: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  microsecond: 1e-3,
  microseconds: 1e-3,
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  millis: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  secs: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  mins: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * A duration written as text: `500ms`, `0.2s`, `1m30s`, `2.5s`, `PT0.5S` (ISO 8601), `00:00:05`
 * (.NET TimeSpan). Undefined when it is not one.
 */
export function parseDurationString(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const iso =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      t,
    );
  if (iso && (iso[1] || iso[2] || iso[3] || iso[4])) {
    return (
      Number(iso[1] ?? 0) * 86_400_000 +
      Number(iso[2] ?? 0) * 3_600_000 +
      Number(iso[3] ?? 0) * 60_000 +
      Number(iso[4] ?? 0) * 1000
    );
  }
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(t);
  if (span) {
    return (
      Number(span[1] ?? 0) * 86_400_000 +
      Number(span[2]) * 3_600_000 +
      Number(span[3]) * 60_000 +
      Number(span[4]) * 1000
    );
  }
  const parts = /^(?:\d+(?:\.\d+)?\s*(?:ns|us|µs|ms|s|m|h|d)\s*)+$/i.test(t)
    ? t.match(/\d+(?:\.\d+)?\s*(?:ns|us|µs|ms|s|m|h|d)/gi)
    : null;
  if (!parts) return undefined;
  let ms = 0;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)\s*([a-zµ]+)$/i.exec(part)!;
    ms += Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
  }
  return ms;
}

/** `1_000` → 1000; `0x10` → 16; `5L`, `2.5f`, `3m` (C# decimal) → the number. */
export function parseNumberLiteral(text: string): number | undefined {
  const t = text.replace(/_/g, '').replace(/[lLfFdDmMuU]+$/, '');
  if (!/^(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)$/.test(t))
    return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Suffixes of host names and identifiers that are not part of the service's name. */
const NAME_NOISE =
  /(?:[-_.]?(?:service|svc|api|client|stub|grpc|http|server|host|url|uri|endpoint|addr|address|base|baseurl|base_url|gateway|proxy|conn|connection|channel|blocking|async|future|rest|template|web))+$/i;

/** Names that say nothing about the callee. */
const GENERIC = new Set([
  '',
  'http',
  'https',
  'client',
  'httpclient',
  'api',
  'axios',
  'instance',
  'session',
  'requests',
  'fetch',
  'service',
  'server',
  'rest',
  'resttemplate',
  'webclient',
  'localhost',
  'conn',
  'channel',
  'default',
  'base',
  'app',
  'self',
  'this',
  'it',
  'c',
  'cli',
  's',
  'r',
  'req',
  'request',
  'res',
  'response',
  'db',
  'database',
  'pool',
  'grpc',
  'retry',
  'retrying',
  'transport',
  'httpx',
  'aiohttp',
  'urllib3',
  'net',
  'got',
  'ky',
  'superagent',
  'undici',
  'node',
  'host',
  'url',
  'uri',
  'endpoint',
  'the',
  'my',
  'new',
  'external',
  'upstream',
  'downstream',
  'backend',
  'remote',
  'internal',
  'clients',
  'apis',
  'services',
  'handler',
  'handlers',
  'policy',
  'policies',
  'options',
  'settings',
  'config',
]);

/** `RiskServiceClient` → `risk-service-client`; `risk_client` → `risk-client`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[_.\s]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

/** A service name from an identifier (`riskClient`, `RISK_URL`, `RiskServiceStub`), if it names one. */
export function serviceFromIdentifier(name: string): string | undefined {
  let base = name.replace(/^(?:this|self)\./, '').replace(/^_+/, '');
  // `this.riskClient`, `s.riskClient` → the last member
  base = base.split('.').pop() ?? base;
  base = base.replace(/^(?:get|new|create|make|build)(?=[A-Z_])/, '');
  let k = kebab(base);
  for (let i = 0; i < 4; i++) {
    const next = k.replace(NAME_NOISE, '').replace(/-+$/, '');
    if (next === k) break;
    k = next;
  }
  k = k.replace(/^(?:default|my|the)-/, '');
  if (!k || GENERIC.has(k) || /^\d/.test(k) || k.length < 2) return undefined;
  return k;
}

/** The service of a URL's host: `http://risk-svc.payments.svc.cluster.local:8080/x` → `risk`. */
export function serviceFromUrl(url: string): Target | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(url.trim());
  if (!m) return undefined;
  const host = m[1].toLowerCase();
  if (
    host === 'localhost' ||
    /^\d+\.\d+\.\d+\.\d+$/.test(host) ||
    host.startsWith('$') ||
    host.startsWith('{')
  ) {
    return { targetFrom: `URL host ${host} names no service` };
  }
  // the first label of the host, unless it is generic (`api.risk.example.com` → risk)
  const labels = host.split('.');
  for (const label of labels.slice(0, 2)) {
    const name = serviceFromIdentifier(label);
    if (name && !['www', 'api', 'svc', 'cluster', 'local'].includes(name)) {
      return { target: name, targetFrom: `URL host ${host}` };
    }
  }
  return { targetFrom: `URL host ${host} names no service` };
}

/**
 * The service behind a configuration key or environment variable: `RISK_SERVICE_URL` → risk,
 * `ORDERS_REPLICA_DSN` → orders. Keys that name no service give undefined.
 */
export function serviceFromConfigKey(key: string): string | undefined {
  const cleaned = key
    .replace(
      /(?:[-_.]?(?:timeout|timeouts|ms|millis|seconds|secs|sec|s|retries|retry|max|attempts|dsn|database|db|replica|read|readonly|ro|primary|writer|reader|pool|conn|connection|string|str))+$/i,
      '',
    )
    .replace(/^(?:app|svc|service|config|settings|env)[-_.]/i, '');
  return serviceFromIdentifier(cleaned);
}

/** The target of a call, from the first of several hints that names a service. */
export function firstTarget(
  ...hints: Array<Target | undefined>
): Target | undefined {
  for (const hint of hints) if (hint?.target) return hint;
  return hints.find(Boolean);
}

/**
 * The one service the calls found in a function go to (keyed by target), a "several services"
 * note when they go to more than one, undefined when none names a service.
 */
export function soleTarget(found: Map<string, Target>): Target | undefined {
  if (found.size === 1) return [...found.values()][0];
  if (found.size > 1)
    return {
      targetFrom: `several services called here (${[...found.keys()].join(
        ', ',
      )})`,
    };
  return undefined;
}

/** No target shows in the call. */
export const NO_TARGET: Target = {
  targetFrom: 'not shown in the code (no URL, client name or config key)',
};

/** Well-known names of a database replica or read-only connection in identifiers and URLs. */
export const REPLICA_NAME =
  /(?:^|[^a-z])(?:read[-_]?replicas?|replicas?|readonly|read[-_]only|reader|ro[-_]pool|slave|secondary)(?:$|[^a-z])/i;

/** Attributes a replica read to a database: `ordersReplica` → orders, `ORDERS_REPLICA_URL` → orders. */
export function databaseFromName(name: string): string | undefined {
  const stripped = name
    .replace(
      /(?:^|[-_.])?(?:read[-_]?replicas?|replicas?|readonly|read[-_]only|reader|slave|secondary|ro)(?=$|[-_.A-Z])/gi,
      '',
    )
    .replace(
      /[-_.]?(?:url|uri|dsn|host|pool|conn|connection|db|database|client|engine|session|string)$/gi,
      '',
    );
  const service = serviceFromIdentifier(stripped);
  return service;
}
