/*
 * OpenAPI 3.x and Swagger 2.0 definitions (in `contracts.io/ref` files or an API entity's
 * `spec.definition`): each operation is an operation the entity provides, by its `operationId`
 * (else `METHOD /path`), so consumers' `operation:` names are checked against it; an
 * `Idempotency-Key` header parameter (also `X-Idempotency-Key`, `Idempotency_Key`, local
 * `$ref`s followed) is an idempotency promise: the key must be stable across retries.
 */
import type { ContractSections } from '../parser/normalize';
import { pointerSegment } from '../parser/yamlSource';
import {
  type Dict,
  type ImportContext,
  ImportReader,
  emptySections,
  isDict,
  list,
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
