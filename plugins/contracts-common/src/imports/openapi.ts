/*
 * OpenAPI 3.x and Swagger 2.0 definitions (in `contracts.io/ref` files or an API entity's
 * `spec.definition`): each operation is an operation the entity provides, by its `operationId`
 * (else `METHOD /path`), so consumers' `operation:` names are checked against it; an
 * `Idempotency-Key` header parameter (also `X-Idempotency-Key`, `Idempotency_Key`, local
 * `$ref`s followed) is an idempotency promise: the key must be stable across retries.
 *
 * Gateway extensions are the API's calls to its provider (`ImportContext.provider`), one
 * `depends_on` per operation with its `timeout` and `retry` marked imported:
 * `x-google-backend.deadline` (seconds; document or operation, the operation's wins),
 * `x-amazon-apigateway-integration.timeoutInMillis` (operation), Kong's
 * `x-kong-service-defaults` `read_timeout` (ms) and `retries` (document, path or operation, the
 * nearest wins; `connect_timeout`, `write_timeout` checked only). A gateway's own default
 * (Google 15 s, AWS 29 s, Kong 60 s and 5 retries) is not a value written: not imported.
 */
import type { ContractSections } from '../parser/normalize';
import type { ContractDependency, ImportedMarks } from '../types';
import { describeType, pointerSegment } from '../parser/yamlSource';
import {
  type Dict,
  type ImportContext,
  ImportReader,
  emptySections,
  isDict,
  list,
  numeric,
  text,
} from './context';

const METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
];
const IDEMPOTENCY_HEADER = /^(x-)?idempotency[-_]?key$/i;

/** A gateway's timeout and retries for one operation, with where they were written. */
interface Gateway {
  timeoutMs?: number;
  /** Kong's `retries`: attempts after the first. */
  retries?: number;
  /** Kong: the timeout holds for each attempt. */
  perTry?: boolean;
  marks: ImportedMarks;
}

/**
 * A positive number at `pointer` (a numeric text is a problem: gateways take numbers), or
 * undefined with a located problem; `integer` for Kong's fields.
 */
function positive(
  r: ImportReader,
  value: unknown,
  pointer: string,
  what: string,
  opts: { integer?: boolean; zero?: boolean } = {},
): number | undefined {
  const n = typeof value === 'number' ? numeric(value) : undefined;
  const ok =
    n !== undefined &&
    (opts.zero ? n >= 0 : n > 0) &&
    (!opts.integer || Number.isInteger(n));
  if (!ok) {
    let got = describeType(value);
    if (typeof value === 'string') got = `the text \`${value}\``;
    else if (typeof value === 'number') got = String(value);
    r.report(
      pointer,
      `${what}: expected a ${opts.integer ? 'whole ' : ''}number ${
        opts.zero ? '≥ 0' : '> 0'
      }, got ${got}`,
    );
    return undefined;
  }
  return n;
}

/** `x-google-backend` at `pointer`: its `deadline` (seconds), undefined for the default. */
function googleBackend(
  r: ImportReader,
  value: unknown,
  pointer: string,
): Gateway | undefined {
  if (!isDict(value)) {
    r.report(pointer, '`x-google-backend` must be a mapping');
    return undefined;
  }
  if (value.deadline === undefined) return undefined; // the library default (15 s)
  const at = `${pointer}/deadline`;
  const s = positive(
    r,
    value.deadline,
    at,
    '`x-google-backend.deadline` (seconds)',
  );
  if (s === undefined) return undefined;
  return { timeoutMs: Math.round(s * 1000), marks: { timeout: r.mark(at) } };
}

/** Kong's `x-kong-service-defaults` at `pointer`: `read_timeout` and `retries`. */
function kongService(
  r: ImportReader,
  value: unknown,
  pointer: string,
): Gateway | undefined {
  if (!isDict(value)) {
    r.report(pointer, '`x-kong-service-defaults` must be a mapping');
    return undefined;
  }
  const out: Gateway = { marks: {} };
  for (const field of ['connect_timeout', 'write_timeout', 'read_timeout']) {
    if (value[field] === undefined) continue;
    const at = `${pointer}/${field}`;
    const ms = positive(r, value[field], at, `Kong \`${field}\` (ms)`, {
      integer: true,
    });
    if (ms !== undefined && field === 'read_timeout') {
      out.timeoutMs = ms;
      out.perTry = true;
      out.marks.timeout = r.mark(at);
    }
  }
  if (value.retries !== undefined) {
    const at = `${pointer}/retries`;
    const n = positive(r, value.retries, at, 'Kong `retries`', {
      integer: true,
      zero: true,
    });
    if (n !== undefined) {
      out.retries = n;
      out.marks.retry = r.mark(at);
    }
  }
  return out;
}

/** `x-amazon-apigateway-integration` at `pointer`: its `timeoutInMillis`. */
function awsIntegration(
  r: ImportReader,
  value: unknown,
  pointer: string,
): Gateway | undefined {
  if (!isDict(value)) {
    r.report(pointer, '`x-amazon-apigateway-integration` must be a mapping');
    return undefined;
  }
  if (value.timeoutInMillis === undefined) return undefined; // the default (29 s)
  const at = `${pointer}/timeoutInMillis`;
  const ms = positive(
    r,
    value.timeoutInMillis,
    at,
    '`x-amazon-apigateway-integration.timeoutInMillis`',
    { integer: true },
  );
  if (ms === undefined) return undefined;
  return { timeoutMs: ms, marks: { timeout: r.mark(at) } };
}

/** The gateway call of one operation: the nearest level's extensions, merged across gateways. */
function gatewayCall(
  r: ImportReader,
  levels: { value: Dict; pointer: string }[],
  cache: Map<string, Gateway | undefined>,
): Gateway | undefined {
  const read = (
    key: string,
    fn: (r: ImportReader, v: unknown, p: string) => Gateway | undefined,
  ): Gateway | undefined => {
    // nearest level first: the operation's, the path's, the document's
    for (const { value, pointer } of levels) {
      if (value[key] === undefined) continue;
      const at = `${pointer}/${pointerSegment(key)}`;
      if (!cache.has(at)) cache.set(at, fn(r, value[key], at));
      return cache.get(at);
    }
    return undefined;
  };
  const parts = [
    read('x-google-backend', googleBackend),
    read('x-amazon-apigateway-integration', awsIntegration),
    read('x-kong-service-defaults', kongService),
  ].filter((g): g is Gateway => g !== undefined);
  if (!parts.length) return undefined;
  const out: Gateway = { marks: {} };
  for (const g of parts) {
    if (g.timeoutMs !== undefined && out.timeoutMs === undefined) {
      out.timeoutMs = g.timeoutMs;
      out.perTry = g.perTry;
      out.marks.timeout = g.marks.timeout;
    }
    if (g.retries !== undefined && out.retries === undefined) {
      out.retries = g.retries;
      out.marks.retry = g.marks.retry;
    }
  }
  return out.timeoutMs === undefined && out.retries === undefined
    ? undefined
    : out;
}

/** Follows a local `$ref` (`#/components/parameters/IdempotencyKey`) to its value and pointer. */
function deref(
  root: Dict,
  value: unknown,
  pointer: string,
): { value: unknown; pointer: string } | { error: string } {
  let current = value;
  let at = pointer;
  for (
    let hops = 0;
    isDict(current) && typeof current.$ref === 'string';
    hops++
  ) {
    const ref = current.$ref;
    if (hops > 8) return { error: `\`$ref\` chain too long at \`${ref}\`` };
    if (!ref.startsWith('#/')) return { value: undefined, pointer: at }; // another file: not followed
    let target: unknown = root;
    for (const segment of ref.slice(2).split('/')) {
      const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isDict(target) ? target[key] : undefined;
    }
    if (target === undefined)
      return { error: `\`$ref: ${ref}\` points at nothing in this document` };
    current = target;
    at = ref.slice(1);
  }
  return { value: current, pointer: at };
}

export function importOpenApi(ctx: ImportContext): ContractSections {
  const sections = emptySections();
  const r = new ImportReader('openapi', ctx);
  const root = ctx.doc.value as Dict;
  const version = text(root.openapi) ?? text(root.swagger);
  if (!version || !/^(2\.0|3\.\d+(\.\d+)?)$/.test(version)) {
    r.report(
      root.openapi !== undefined ? '/openapi' : '/swagger',
      `only OpenAPI 3.x and Swagger 2.0 are read, got ${
        version ? `\`${version}\`` : 'no version'
      }`,
    );
    return sections;
  }
  if (!isDict(root.paths)) {
    if (root.paths !== undefined)
      r.report('/paths', '`paths` must be a mapping of paths to operations');
    return sections;
  }
  const seen = new Map<string, string>();
  const gateways = new Map<string, Gateway | undefined>();
  let unprovided = false;
  for (const [path, item] of Object.entries(root.paths)) {
    if (!isDict(item)) continue;
    const pp = `/paths/${pointerSegment(path)}`;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isDict(operation)) continue;
      const p = `${pp}/${method}`;
      const id = text(operation.operationId);
      if (operation.operationId !== undefined && !id) {
        r.report(`${p}/operationId`, '`operationId` must be a non-empty text');
      }
      const name = id ?? `${method.toUpperCase()} ${path}`;
      if (seen.has(name)) {
        r.report(
          `${p}/operationId`,
          `\`operationId: ${name}\` is used twice (also at ${seen.get(name)})`,
        );
        continue;
      }
      seen.set(name, `${method.toUpperCase()} ${path}`);
      const namePointer = id ? `${p}/operationId` : p;
      sections.operations.push({
        name,
        current: [],
        target: [],
        imported: { name: r.mark(namePointer) },
        loc: r.loc(namePointer),
      });
      const gateway = gatewayCall(
        r,
        [
          { value: operation, pointer: p },
          { value: item, pointer: pp },
          { value: root, pointer: '' },
        ],
        gateways,
      );
      if (gateway && !ctx.provider) {
        if (!unprovided) {
          r.report(
            p,
            "a gateway timeout or retries is written here, but no component provides this API (`apiProvidedBy`, a Component's `spec.providesApis`): not checked",
          );
        }
        unprovided = true;
      } else if (gateway && ctx.provider) {
        sections.dependsOn.push(
          gatewayDependency(ctx.provider, name, gateway, r.loc(p)),
        );
      }
      // Path-level parameters apply to every operation of the path; the operation's override.
      const params = [
        ...list(item.parameters).map((v, i) => ({
          v,
          at: `${pp}/parameters/${i}`,
        })),
        ...list(operation.parameters).map((v, i) => ({
          v,
          at: `${p}/parameters/${i}`,
        })),
      ];
      for (const { v, at } of params) {
        const resolved = deref(root, v, at);
        if ('error' in resolved) {
          r.report(at, resolved.error);
          continue;
        }
        const param = resolved.value;
        if (!isDict(param) || param.in !== 'header') continue;
        const header = text(param.name);
        if (!header || !IDEMPOTENCY_HEADER.test(header)) continue;
        sections.idempotency.push({
          name,
          idempotencyKey: `${header} header`,
          expects: 'stable_across_retries',
          imported: {
            name: r.mark(namePointer),
            idempotency_key: r.mark(`${resolved.pointer}/name`),
          },
          loc: r.loc(at),
        });
        break;
      }
    }
  }
  return sections;
}

/** The API's call to its provider for one operation, as our `depends_on` would write it. */
function gatewayDependency(
  provider: string,
  operation: string,
  gateway: Gateway,
  loc: ContractDependency['loc'],
): ContractDependency {
  const dependency: ContractDependency = {
    service: provider.slice(provider.indexOf('/') + 1),
    ref: provider,
    operation,
    budget: [],
    imported: gateway.marks,
    loc,
  };
  if (gateway.timeoutMs !== undefined) dependency.timeoutMs = gateway.timeoutMs;
  if (gateway.retries !== undefined) {
    dependency.retry = {
      raw: String(gateway.retries + 1),
      maxAttempts: gateway.retries + 1,
    };
    // Kong's timeouts hold for each attempt
    if (gateway.timeoutMs !== undefined && gateway.perTry)
      dependency.retry.perTryTimeoutMs = gateway.timeoutMs;
  }
  return dependency;
}
