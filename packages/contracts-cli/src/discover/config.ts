/*
 * The configuration a service ships: Istio VirtualService / DestinationRule, Envoy route and
 * cluster config, Kubernetes env and Helm values, .NET appsettings.json, Spring
 * application.yaml (Feign, resilience4j, datasources). YAML and JSON, read with `yaml` (node
 * positions for file, line and column).
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from 'yaml';
import {
  databaseFromName,
  type DiscoveredFact,
  fact,
  NO_TARGET,
  parseDurationString,
  parseNumberLiteral,
  type Resolved,
  serviceFromConfigKey,
  serviceFromIdentifier,
  type SourceFile,
  type Target,
  withAttempts,
  withDuration,
} from './core';

/** Keys of timeouts that bound no outbound call. */
const NOT_A_CALL_TIMEOUT =
  /probe|health|grace|idle|keep-?alive|session|cache|ttl|lock|shutdown|termination|startup|liveness|readiness|progress-?deadline|active-?deadline|job|poll|lease|heartbeat|drain|linger|stale|expir|refresh|jwt|token|cookie|login|ci\b|test|debounce|sleep|interval|period/i;
const TIMEOUT_KEY =
  /(?:timeout|deadline)(?:[-_]?(?:ms|millis|milliseconds|seconds|secs|sec|s|in[-_]?(?:ms|milliseconds|seconds)|duration))?$/i;
const ALL_TRIES_KEY = /^(?:max[-_]?attempts|attempts|max[-_]?tries)$/i;
const RETRIES_KEY =
  /^(?:retries|num[-_]?retries|max[-_]?retries|max[-_]?retry[-_]?attempts|retry[-_]?count|retry[-_]?max|max[-_]?retry)$/i;

/** Path segments that name no service. */
const GENERIC_SEGMENT =
  /^(?:spring|cloud|openfeign|feign|client|clients|config|configs|default|defaults|instances|resilience4j|retry|retries|timelimiter|circuitbreaker|http|https|httpclient|httpclients|services|service|values|env|data|spec|metadata|app|application|settings|global|common|backend|upstream|upstreams|downstream|endpoints|endpoint|options|resilience|polly|policies|policy|timeouts?|connection|connectionpool|tcp|grpc|rest|api|apis|external|integrations?|dependencies|outbound|targets?|containers|template|deployment|server|route|routes|http_filters|typed_config|virtual_hosts|route_config|clusters|load_assignment|properties|logging|management|datasource|datasources|hikari|jpa|kafka|redis|producer|consumer|mongodb|database|db|connectionstrings|configuration|standard|retrypolicy|retry_policy|environment|environments|variables|vars|extraenv|configmap|secrets|stringdata|\d+)$/i;

/** What is left of `readTimeout`, `CONNECT_TIMEOUT`…: no service. */
const KEY_PREFIX_NOISE =
  /^(?:read|write|connect|connection|request|response|socket|call|idle|total|default|global|http|https|grpc|db|database|redis|kafka|per-try|pertry|max|min|upstream|downstream|backend|client|server|query|statement|command|lock|pool)$/i;

interface Ctx {
  file: SourceFile;
  lines: LineCounter;
  facts: DiscoveredFact[];
  /** For a config inside code: the code's language. */
  language?: string;
}

function pos(ctx: Ctx, node: YamlNode | Pair) {
  const range = (isPair(node)
    ? (node.key as YamlNode)?.range
    : (node as YamlNode).range) ?? [0, 0, 0];
  const p = ctx.lines.linePos(range[0]);
  return { line: p.line, column: p.col };
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : '';
}

function written(ctx: Ctx, pair: Pair): string {
  const k = (pair.key as YamlNode)?.range;
  const v = (pair.value as YamlNode)?.range;
  if (!k || !v)
    return `${keyOf(pair)}: ${String((pair.value as any)?.value ?? '')}`;
  return ctx.file.text.slice(k[0], v[1]).replace(/\s+/g, ' ').trim();
}

/** A duration from a config value: `2s`, `PT2S`, `00:00:02`, `500` with the key's unit. */
export function configDuration(key: string, value: unknown): Resolved {
  if (typeof value === 'string') {
    const d = parseDurationString(value);
    if (d !== undefined) return { value: d, how: `${value} → ${d} ms` };
    if (/^\$\{|^\{\{|^\$\(|^%/.test(value.trim()))
      return { why: `not resolvable statically (placeholder ${value.trim()})` };
    const n = parseNumberLiteral(value.trim());
    if (n === undefined) return { why: `not resolvable statically (${value})` };
    return configDuration(key, n);
  }
  if (typeof value !== 'number')
    return { why: 'not resolvable statically (not a duration)' };
  const k = key.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  if (/(?:^|[-_])(?:ms|millis|milliseconds|in-?ms|in-?milliseconds)$/.test(k))
    return { value, how: 'literal' };
  if (/(?:^|[-_])(?:s|secs?|seconds|in-?seconds)$/.test(k))
    return { value: value * 1000, how: `${value} s → ${value * 1000} ms` };
  // Feign and Spring read-timeout / connect-timeout, resilience4j durations: milliseconds
  if (
    /^(?:read-?timeout|connect-?timeout|timeout-?duration|connection-?timeout|response-?timeout)$/.test(
      k,
    )
  )
    return { value, how: `${value} (milliseconds)` };
  return { why: `not resolvable statically (${value} without a unit)` };
}

/** The service a config path names: the last specific segment above the key, else the key's own prefix. */
function pathTarget(segments: string[], key: string): Target {
  // RISK_TIMEOUT_MS: an environment variable names its service itself
  const fromKey = serviceFromConfigKey(key);
  const keyNames =
    fromKey &&
    /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(key) &&
    !GENERIC_SEGMENT.test(fromKey) &&
    !KEY_PREFIX_NOISE.test(fromKey);
  if (keyNames) return { target: fromKey, targetFrom: `config key ${key}` };
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    if (GENERIC_SEGMENT.test(s)) continue;
    // docker compose: services.<this service>.environment configures the service itself
    if (i === 1 && segments[0] === 'services') continue;
    const name = serviceFromConfigKey(s);
    if (name)
      return {
        target: name,
        targetFrom: `config key ${[...segments.slice(0, i + 1), key].join(
          '.',
        )}`,
      };
  }
  if (
    fromKey &&
    !GENERIC_SEGMENT.test(fromKey) &&
    !KEY_PREFIX_NOISE.test(fromKey)
  )
    return { target: fromKey, targetFrom: `config key ${key}` };
  return {
    targetFrom: `config key ${[...segments, key].join('.')} names no service`,
  };
}

function hostTarget(host: unknown, from: string): Target {
  if (typeof host !== 'string') return NO_TARGET;
  const name = serviceFromIdentifier(host.split(/[.:]/)[0]);
  return name
    ? { target: name, targetFrom: `${from} ${host}` }
    : { targetFrom: `${from} ${host} names no service` };
}

function get(map: YAMLMap, key: string): any {
  const v = map.get(key, true);
  return v;
}

function plain(node: unknown): any {
  return isScalar(node) ? node.value : undefined;
}

/** Istio: spec.http[].timeout, retries.attempts / perTryTimeout, route[].destination.host. */
function virtualService(ctx: Ctx, doc: YAMLMap) {
  const spec = get(doc, 'spec');
  const http = isMap(spec) ? get(spec, 'http') : undefined;
  if (!isSeq(http)) return;
  for (const route of http.items) {
    if (!isMap(route)) continue;
    const dest = get(route, 'route');
    const first =
      isSeq(dest) && isMap(dest.items[0])
        ? get(dest.items[0] as YAMLMap, 'destination')
        : undefined;
    const target = hostTarget(
      isMap(first) ? plain(get(first, 'host')) : undefined,
      'destination host',
    );
    for (const pair of route.items) {
      const key = keyOf(pair);
      if (key === 'timeout') {
        ctx.facts.push(
          fact(
            'timeout',
            ctx.file.path,
            pos(ctx, pair),
            written(ctx, pair),
            ctx.language ?? 'yaml',
            {
              ...withDuration(configDuration(key, plain(pair.value))),
              library: 'Istio VirtualService',
              ...target,
            },
          ),
        );
      } else if (key === 'retries' && isMap(pair.value)) {
        const attempts = (pair.value as YAMLMap).items.find(
          p => keyOf(p) === 'attempts',
        );
        if (attempts) {
          const n = plain(attempts.value);
          ctx.facts.push(
            fact(
              'retry',
              ctx.file.path,
              pos(ctx, attempts),
              written(ctx, attempts),
              ctx.language ?? 'yaml',
              {
                ...withAttempts(
                  typeof n === 'number'
                    ? { value: n, how: 'literal' }
                    : { why: `not resolvable statically (${n})` },
                  'retries',
                ),
                library: 'Istio VirtualService retries',
                ...target,
              },
            ),
          );
        }
        const perTry = (pair.value as YAMLMap).items.find(
          p => keyOf(p) === 'perTryTimeout',
        );
        if (perTry) {
          ctx.facts.push(
            fact(
              'timeout',
              ctx.file.path,
              pos(ctx, perTry),
              written(ctx, perTry),
              ctx.language ?? 'yaml',
              {
                ...withDuration(
                  configDuration('perTryTimeout', plain(perTry.value)),
                ),
                library: 'Istio retries.perTryTimeout',
                ...target,
              },
            ),
          );
        }
      }
    }
  }
}

/** Istio DestinationRule: trafficPolicy.connectionPool.tcp.connectTimeout on spec.host. */
function destinationRule(ctx: Ctx, doc: YAMLMap) {
  const spec = get(doc, 'spec');
  if (!isMap(spec)) return;
  const target = hostTarget(plain(get(spec, 'host')), 'host');
  const tcp = spec.getIn(['trafficPolicy', 'connectionPool', 'tcp'], true);
  if (isMap(tcp)) {
    for (const pair of tcp.items) {
      if (keyOf(pair) === 'connectTimeout') {
        ctx.facts.push(
          fact(
            'timeout',
            ctx.file.path,
            pos(ctx, pair),
            written(ctx, pair),
            ctx.language ?? 'yaml',
            {
              ...withDuration(
                configDuration('connectTimeout', plain(pair.value)),
              ),
              library: 'Istio DestinationRule connectTimeout',
              ...target,
            },
          ),
        );
      }
    }
  }
}

/** Envoy and every other YAML/JSON: keys by name, with the target from siblings or the path. */
function generic(
  ctx: Ctx,
  node: unknown,
  segments: string[],
  inherited?: Target,
) {
  if (isSeq(node)) {
    node.items.forEach((item, i) =>
      generic(ctx, item, [...segments, String(i)], inherited),
    );
    return;
  }
  if (!isMap(node)) return;
  // Kubernetes env: { name: RISK_TIMEOUT_MS, value: "500" }
  const envName = plain(get(node, 'name'));
  const envValue = node.items.find(p => keyOf(p) === 'value');
  if (
    typeof envName === 'string' &&
    envValue &&
    /^[A-Z][A-Z0-9_]*$/.test(envName)
  ) {
    keyFact(
      ctx,
      envName,
      plain(envValue.value),
      envValue,
      segments.slice(0, -1),
      envValue,
      true,
    );
  }
  // Envoy: a route with a cluster; a cluster with a name
  const cluster =
    plain(get(node, 'cluster')) ??
    (segments.includes('clusters') ? plain(get(node, 'name')) : undefined);
  const here =
    typeof cluster === 'string'
      ? hostTarget(cluster, 'Envoy cluster')
      : inherited;
  for (const pair of node.items) {
    const key = keyOf(pair);
    if (!key) continue;
    if (isMap(pair.value) || isSeq(pair.value)) {
      if (NOT_A_CALL_TIMEOUT.test(key) && /probe|health/i.test(key)) continue;
      generic(ctx, pair.value, [...segments, key], here);
      continue;
    }
    keyFact(ctx, key, plain(pair.value), pair, segments, pair, false, here);
  }
}

function keyFact(
  ctx: Ctx,
  key: string,
  value: unknown,
  at: Pair,
  segments: string[],
  pair: Pair,
  env: boolean,
  inherited?: Target,
) {
  const path = [...segments, key].join('.');
  const configKey = /^[A-Z][A-Z0-9_]*$/.test(key) ? key : path;
  const target = () =>
    inherited?.target ? inherited : pathTarget(env ? [] : segments, key);
  if (TIMEOUT_KEY.test(key) && !NOT_A_CALL_TIMEOUT.test(path)) {
    if (value === null || value === undefined || typeof value === 'boolean')
      return;
    ctx.facts.push(
      fact(
        'timeout',
        ctx.file.path,
        pos(ctx, at),
        written(ctx, pair),
        ctx.language ?? 'yaml',
        {
          ...withDuration(configDuration(key, value)),
          configKey,
          library: segments.includes('retry_policy')
            ? 'Envoy retry_policy'
            : library(segments, key),
          ...target(),
        },
      ),
    );
    return;
  }
  // PAYMENT_MAX_RETRIES: the service's prefix off, for the kind (the target keeps it)
  const tail =
    env || /^[A-Z][A-Z0-9_]*$/.test(key)
      ? key.replace(
          /^[A-Z0-9_]*?_(?=(?:MAX_)?(?:RETRIES|ATTEMPTS|TRIES|RETRY_COUNT|NUM_RETRIES)$)/,
          '',
        )
      : key;
  const allTries = ALL_TRIES_KEY.test(tail);
  if ((allTries || RETRIES_KEY.test(tail)) && !NOT_A_CALL_TIMEOUT.test(path)) {
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string') n = parseNumberLiteral(value);
    if (
      n === undefined &&
      (value === null ||
        typeof value === 'boolean' ||
        typeof value === 'object')
    )
      return;
    ctx.facts.push(
      fact(
        'retry',
        ctx.file.path,
        pos(ctx, at),
        written(ctx, pair),
        ctx.language ?? 'yaml',
        {
          ...withAttempts(
            n !== undefined
              ? { value: n, how: 'literal' }
              : { why: `not resolvable statically (${String(value)})` },
            allTries ? 'all-tries' : 'retries',
          ),
          configKey,
          library: library(segments, key),
          ...target(),
        },
      ),
    );
    return;
  }
  // a replica's connection: spring.datasource.replica.url, ConnectionStrings.OrdersReplica, ORDERS_REPLICA_URL
  if (
    typeof value === 'string' &&
    (/(?:^|[-_.])(?:url|uri|dsn|host|jdbc-?url|connection-?string)$/i.test(
      key,
    ) ||
      /connectionstrings/i.test(segments.join('.')) ||
      env)
  ) {
    const replicaInPath = /replica|read-?only|reader|secondary|slave/i.test(
      [...segments, key].join('.'),
    );
    const replicaInValue =
      /ApplicationIntent\s*=\s*ReadOnly|target_session_attrs=read-only|readPreference=secondary|[-.]replica|[-.]ro\./i.test(
        value,
      );
    if (replicaInPath || replicaInValue) {
      const host =
        /(?:Server|Data Source|Host)\s*=\s*([^;,]+)/i.exec(value)?.[1] ??
        /\/\/(?:[^@/]*@)?([^/:?,]+)/.exec(value)?.[1];
      const db =
        (host && databaseFromName(host.split('.')[0])) ||
        databaseFromName(
          [...segments, key].filter(s => !GENERIC_SEGMENT.test(s)).join('-'),
        );
      ctx.facts.push(
        fact(
          'replica-read',
          ctx.file.path,
          pos(ctx, at),
          written(ctx, pair),
          ctx.language ?? 'yaml',
          {
            library: 'replica connection in configuration',
            ...(db
              ? {
                  target: db,
                  targetFrom: host ? `host ${host}` : `config key ${path}`,
                }
              : { targetFrom: `config key ${path} names no database` }),
          },
        ),
      );
    }
  }
}

function library(segments: string[], key: string): string {
  const p = segments.join('.');
  if (/resilience4j/.test(p)) return `resilience4j ${key}`;
  if (/feign/.test(p)) return `Feign ${key}`;
  if (/retry_policy|route/.test(p)) return `Envoy ${key}`;
  return `configuration ${[...segments.slice(-2), key].join('.')}`;
}

/** Documents that are not a service's runtime configuration. */
function skipped(doc: unknown): boolean {
  if (!isMap(doc)) return true;
  const keys = new Set(doc.items.map(keyOf));
  const api = plain(get(doc, 'apiVersion'));
  if (typeof api === 'string' && /backstage\.io/.test(api)) return true;
  if (
    keys.has('depends_on') ||
    keys.has('retry_policies') ||
    keys.has('data_dependencies') ||
    (keys.has('service') && keys.has('provides'))
  )
    return true;
  if (
    keys.has('openapi') ||
    keys.has('swagger') ||
    keys.has('asyncapi') ||
    keys.has('$schema')
  )
    return true;
  if (keys.has('jobs') && (keys.has('on') || keys.has('true'))) return true; // CI workflows
  return false;
}

/**
 * A gRPC service config: `methodConfig[].timeout` and `retryPolicy.maxAttempts` (every try,
 * the first included), for the services `name[].service` names (`risk.RiskService` → risk).
 */
function serviceConfig(ctx: Ctx, root: YAMLMap) {
  const methods = get(root, 'methodConfig');
  if (!isSeq(methods)) return;
  for (const method of methods.items) {
    if (!isMap(method)) continue;
    const names = get(method, 'name');
    const first =
      isSeq(names) && isMap(names.items[0])
        ? plain(get(names.items[0] as YAMLMap, 'service'))
        : undefined;
    let target: Target = { targetFrom: 'gRPC service config names no service' };
    if (typeof first === 'string') {
      const parts = first.split('.');
      const svc =
        parts
          .map(p => serviceFromIdentifier(p))
          .find(p => p && !/^(?:v\d+|api|com|org|io|grpc|proto)$/.test(p)) ??
        undefined;
      if (svc) target = { target: svc, targetFrom: `gRPC service ${first}` };
    }
    for (const pair of method.items) {
      const key = keyOf(pair);
      if (key === 'timeout') {
        ctx.facts.push(
          fact(
            'timeout',
            ctx.file.path,
            pos(ctx, pair),
            written(ctx, pair),
            ctx.language ?? 'json',
            {
              ...withDuration(configDuration(key, plain(pair.value))),
              library: 'gRPC service config',
              ...target,
            },
          ),
        );
      } else if (key === 'retryPolicy' && isMap(pair.value)) {
        const max = (pair.value as YAMLMap).items.find(
          p => keyOf(p) === 'maxAttempts',
        );
        if (max) {
          const n = plain(max.value);
          ctx.facts.push(
            fact(
              'retry',
              ctx.file.path,
              pos(ctx, max),
              written(ctx, max),
              ctx.language ?? 'json',
              {
                ...withAttempts(
                  typeof n === 'number'
                    ? { value: n, how: 'literal' }
                    : { why: `not resolvable statically (${String(n)})` },
                  'all-tries',
                ),
                library: 'gRPC retry policy',
                ...target,
              },
            ),
          );
        }
      }
    }
  }
}

/**
 * A gRPC service config written as a string in code (`grpc.WithDefaultServiceConfig(\`{…}\`)`):
 * its facts, placed in the file where the string's lines are.
 */
export function serviceConfigInString(
  file: SourceFile,
  content: string,
  start: { line: number; column: number },
  language: string,
): DiscoveredFact[] {
  if (!/"methodConfig"/.test(content)) return [];
  const facts: DiscoveredFact[] = [];
  const lines = new LineCounter();
  let doc;
  try {
    doc = parseAllDocuments(content, { lineCounter: lines })[0];
  } catch {
    return [];
  }
  if (!doc || doc.errors?.length || !isMap(doc.contents)) return [];
  serviceConfig(
    { file: { path: file.path, text: content }, lines, facts, language },
    doc.contents,
  );
  // positions inside the string → positions in the file
  return facts.map(f => ({
    ...f,
    line: start.line + f.line - 1,
    column: f.line === 1 ? start.column + f.column : f.column,
    language,
  }));
}

/** Facts of configuration files. */
export function extractConfig(files: SourceFile[]): DiscoveredFact[] {
  const facts: DiscoveredFact[] = [];
  for (const file of files) {
    if (
      !/timeout|deadline|retr|attempt|replica|readonly|ApplicationIntent|secondary/i.test(
        file.text,
      )
    )
      continue;
    const lines = new LineCounter();
    let docs;
    try {
      docs = parseAllDocuments(file.text, {
        lineCounter: lines,
        uniqueKeys: false,
      });
    } catch {
      continue;
    }
    const ctx: Ctx = {
      file,
      lines,
      facts,
      language: file.path.endsWith('.json') ? 'json' : 'yaml',
    };
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors?.length) continue;
      const root = doc.contents;
      if (skipped(root)) continue;
      const kind = plain(get(root as YAMLMap, 'kind'));
      if (kind === 'VirtualService') virtualService(ctx, root as YAMLMap);
      else if (kind === 'DestinationRule')
        destinationRule(ctx, root as YAMLMap);
      else if (isMap(root) && root.has('methodConfig'))
        serviceConfig(ctx, root);
      else generic(ctx, root, []);
    }
  }
  return facts;
}
