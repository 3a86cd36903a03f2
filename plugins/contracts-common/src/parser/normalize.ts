/**
 * Turns one validated-for-structure document into the normalized contract model, reading every
 * value with the grammar. A value that does not read is reported and left out; an item that
 * loses a required value is left out; its valid siblings stay.
 */
import type {
  ContractDependency,
  DataDependency,
  DataRequirement,
  EntityContract,
  IdempotencySpec,
  ProvidedDataset,
  ProvidedEndpoint,
  ProvidedOperation,
  RetryPolicy,
} from '../types';
import { DocumentReader, type NormalizeContext } from './documentReader';
import { parseFreshnessRequired, parseRetryTarget } from './grammar';
import { compact, entries, isDict, text } from './values';

export {
  fieldLocation,
  ItemLocations,
  type FieldLocations,
  type NormalizeContext,
} from './documentReader';

/** The sections of a contract, as read from one or several documents. */
export type ContractSections = Omit<
  EntityContract,
  'entityRef' | 'sources' | 'discovered' | 'observed'
>;
/** The keys of an item a `discovered` mark may name, per section. */
const DISCOVERED_KEYS = {
  dependency: [
    'service',
    'operation',
    'latency_budget',
    'timeout',
    'fallback',
    'retry',
  ],
  dataDependency: ['source', 'dataset', 'freshness_required'],
  retryPolicy: [
    'target',
    'on_timeout.generates_new_request_id',
    'max_attempts',
    'backoff',
  ],
  operation: ['name', 'idempotency_key', 'expects', 'window'],
} as const;
/** Field → pointer below its item, per kind of item. */
const DEPENDENCY_FIELDS = {
  budget: '/latency_budget',
  timeoutMs: '/timeout',
  fallback: '/fallback',
  retry: '/retry',
};
const OPERATION_FIELDS = {
  current: '/latency/current',
  target: '/latency/target',
  latencyMetric: '/latency/metric',
  availability: '/availability',
};
const DATASET_FIELDS = {
  via: '/via',
  freshness: '/freshness',
  pii: '/pii',
  access: '/access',
  freshnessMetric: '/freshness/metric',
};
const ENDPOINT_FIELDS = { returns: '/returns', pii: '/pii', access: '/access' };
const DATA_DEPENDENCY_FIELDS = {
  freshnessRequiredMs: '/freshness_required',
  reason: '/reason',
  impactIfStale: '/impact_if_stale',
};
const RETRY_POLICY_FIELDS = {
  newRequestIdOnTimeout: '/on_timeout/generates_new_request_id',
  maxAttempts: '/max_attempts',
  backoff: '/backoff',
  reason: '/reason',
};
const RETRY_POLICY_FIELDS_TIMEOUT_REASON = {
  ...RETRY_POLICY_FIELDS,
  reason: '/on_timeout/reason',
};
const IDEMPOTENCY_FIELDS = {
  idempotencyKey: '/idempotency_key',
  expects: '/expects',
  windowMs: '/window',
};
const REQUIREMENT_FIELDS = {
  accessLevel: '/access_level',
  useCase: '/use_case',
};

/**
 * Reads the sections of one document. Structure was checked by ajv: here, values of the wrong
 * type are skipped silently and grammar faults are reported.
 */
export function normalizeDocument(ctx: NormalizeContext): ContractSections {
  const sections: ContractSections = {
    dependsOn: [],
    operations: [],
    datasets: [],
    endpoints: [],
    dataDependencies: [],
    retryPolicies: [],
    idempotency: [],
    requires: [],
  };
  const root = ctx.doc.value;
  if (!isDict(root)) return sections;
  const reader = new DocumentReader(ctx);
  if (root.service !== undefined) reader.service(root.service);
  const promised = reader.availability(root.availability, '/availability');
  if (promised) sections.availability = promised;

  entries(root.depends_on).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/depends_on/${index}`;
    const ref = reader.ref(item.service, `${p}/service`);
    const budget = reader.budget(item.latency_budget, `${p}/latency_budget`);
    const timeoutMs = reader.duration(item.timeout, `${p}/timeout`);
    const retry = reader.retry(item.retry, `${p}/retry`);
    if (!ref) return;
    const dependency: ContractDependency = compact({
      service: String(item.service).trim(),
      ref,
      operation: text(item.operation),
      budget,
      timeoutMs,
      fallback: text(item.fallback),
      retry,
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.dependency,
      ),
      loc: reader.loc(p),
    });
    reader.fields(dependency, p, DEPENDENCY_FIELDS);
    sections.dependsOn.push(dependency);
  });

  entries(root.provides).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/provides/${index}`;
    const kinds = ['operation', 'dataset', 'endpoint'].filter(
      kind => item[kind] !== undefined,
    );
    if (kinds.length !== 1) return;
    if (kinds[0] === 'operation') {
      const latency = isDict(item.latency) ? item.latency : {};
      const current = reader.latencies(latency.current, `${p}/latency/current`);
      const target = reader.latencies(latency.target, `${p}/latency/target`);
      const latencyMetric = reader.metric(
        latency.metric,
        `${p}/latency/metric`,
        'latency',
      );
      const availability = reader.availability(
        item.availability,
        `${p}/availability`,
      );
      for (const key of ['pii', 'access', 'purposes', 'allowed_use']) {
        if (item[key] !== undefined) {
          ctx.report(
            `${p}/${key}`,
            `\`${key}\` applies to an \`endpoint\` or \`dataset\` item only`,
            true,
          );
        }
      }
      const name = text(item.operation);
      if (!name) return;
      const operation: ProvidedOperation = compact({
        name,
        availability,
        current: current?.values ?? [],
        target: target?.values ?? [],
        targetNote: target?.note,
        currentRaw: current?.raw,
        targetRaw: target?.raw,
        latencyMetric,
        loc: reader.loc(p),
      });
      reader.fields(operation, p, OPERATION_FIELDS);
      sections.operations.push(operation);
    } else if (kinds[0] === 'dataset') {
      const freshness = reader.freshness(item.freshness, `${p}/freshness`);
      const freshnessMetric = isDict(item.freshness)
        ? reader.metric(
            item.freshness.metric,
            `${p}/freshness/metric`,
            'freshness',
          )
        : undefined;
      const derivedFrom: ProvidedDataset['derivedFrom'] = [];
      entries(item.derived_from).forEach((source, sourceIndex) => {
        if (!isDict(source)) return;
        const sp = `${p}/derived_from/${sourceIndex}`;
        const ref = reader.ref(source.source, `${sp}/source`);
        const dataset = text(source.dataset);
        if (ref && dataset) {
          derivedFrom.push({
            source: String(source.source).trim(),
            ref,
            dataset,
            loc: reader.loc(sp),
          });
        }
      });
      const allowedUse = reader.allowedUse(item, p);
      const name = text(item.dataset);
      if (!name) return;
      const dataset: ProvidedDataset = compact({
        name,
        via: text(item.via),
        freshness,
        freshnessMetric,
        derivedFrom,
        pii: text(item.pii),
        access: text(item.access),
        allowedUse,
        loc: reader.loc(p),
      });
      reader.fields(dataset, p, DATASET_FIELDS);
      sections.datasets.push(dataset);
    } else {
      const data = reader.names(item.data, `${p}/data`);
      const allowedUse = reader.allowedUse(item, p);
      const path = text(item.endpoint);
      if (!path) return;
      const endpoint: ProvidedEndpoint = compact({
        path,
        returns: text(item.returns),
        data,
        pii: text(item.pii),
        access: text(item.access),
        allowedUse,
        loc: reader.loc(p),
      });
      reader.fields(endpoint, p, ENDPOINT_FIELDS);
      sections.endpoints.push(endpoint);
    }
  });

  entries(root.data_dependencies).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/data_dependencies/${index}`;
    const ref = reader.ref(item.source, `${p}/source`);
    const freshnessRequiredMs = reader.grammar(
      item.freshness_required,
      `${p}/freshness_required`,
      parseFreshnessRequired,
      'a freshness such as `<10s`',
    );
    const dataset = text(item.dataset);
    if (!ref || !dataset || freshnessRequiredMs === undefined) return;
    const dependency: DataDependency = compact({
      source: String(item.source).trim(),
      ref,
      dataset,
      freshnessRequiredMs,
      freshnessRaw: String(item.freshness_required).trim(),
      reason: text(item.reason),
      impactIfStale: text(item.impact_if_stale),
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.dataDependency,
      ),
      loc: reader.loc(p),
    });
    reader.fields(dependency, p, DATA_DEPENDENCY_FIELDS);
    sections.dataDependencies.push(dependency);
  });

  entries(root.retry_policies).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/retry_policies/${index}`;
    const target = reader.grammar(
      item.target,
      `${p}/target`,
      parseRetryTarget,
      'a target such as `risk.scoreTransaction`',
    );
    const ref = target && reader.ref(target.service, `${p}/target`);
    if (!ref) return;
    const onTimeout = isDict(item.on_timeout) ? item.on_timeout : {};
    const newRequestId = onTimeout.generates_new_request_id;
    const maxAttempts = item.max_attempts;
    const policy: RetryPolicy = compact({
      target: String(item.target).trim(),
      ref,
      operation: target.operation,
      newRequestIdOnTimeout:
        typeof newRequestId === 'boolean' ? newRequestId : undefined,
      maxAttempts:
        typeof maxAttempts === 'number' &&
        Number.isInteger(maxAttempts) &&
        maxAttempts >= 1
          ? maxAttempts
          : undefined,
      backoff: text(item.backoff),
      reason: text(item.reason) ?? text(onTimeout.reason),
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.retryPolicy,
      ),
      loc: reader.loc(p),
    });
    reader.fields(
      policy,
      p,
      item.reason === undefined
        ? RETRY_POLICY_FIELDS_TIMEOUT_REASON
        : RETRY_POLICY_FIELDS,
    );
    sections.retryPolicies.push(policy);
  });

  entries(root.operations).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/operations/${index}`;
    const windowMs = reader.duration(item.window, `${p}/window`);
    const name = text(item.name);
    if (!name) return;
    const spec: IdempotencySpec = compact({
      name,
      idempotencyKey: text(item.idempotency_key),
      expects: text(item.expects),
      windowMs,
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.operation,
      ),
      loc: reader.loc(p),
    });
    reader.fields(spec, p, IDEMPOTENCY_FIELDS);
    sections.idempotency.push(spec);
  });

  entries(root.requires).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/requires/${index}`;
    const ref = reader.ref(item.from, `${p}/from`);
    const data = text(item.data);
    if (!ref || !data) return;
    const requirement: DataRequirement = compact({
      from: String(item.from).trim(),
      ref,
      data,
      accessLevel: text(item.access_level),
      useCase: text(item.use_case),
      loc: reader.loc(p),
    });
    reader.fields(requirement, p, REQUIREMENT_FIELDS);
    sections.requires.push(requirement);
  });

  return sections;
}
