/**
 * Service names in contracts resolve like Backstage entity refs.
 */
import {
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { GrammarResult } from './grammar';

const validators = makeValidator();

/** The parts of an entity ref, and its string form. */
export interface EntityRefParts {
  kind: string;
  namespace: string;
  name: string;
}

/** Names repeat across entities (`risk`, `orders-db`): resolve each once (by kind, namespace, name). */
const resolved = new Map<
  string,
  Map<string, Map<string, GrammarResult<string>>>
>();
let cachedCount = 0;
const MAX_CACHED = 100_000;

/**
 * Resolves a name written in a contract to a full entity ref: `risk` is
 * `component:<namespace>/risk`, `resource:default/orders-db` stays as written (kind and namespace
 * lower-cased, as `stringifyEntityRef` does).
 * @public
 */
export function resolveContractRef(
  name: string,
  context: { defaultKind?: string; defaultNamespace?: string } = {},
): GrammarResult<string> {
  const kind = context.defaultKind ?? '';
  const namespace = context.defaultNamespace ?? '';
  let byName = resolved.get(kind)?.get(namespace);
  const cached = byName?.get(name);
  if (cached) return cached;
  const result = resolve(name, context);
  if (cachedCount >= MAX_CACHED) {
    resolved.clear();
    cachedCount = 0;
    byName = undefined;
  }
  if (!byName) {
    let byNamespace = resolved.get(kind);
    if (!byNamespace) resolved.set(kind, (byNamespace = new Map()));
    byNamespace.set(namespace, (byName = new Map()));
  }
  byName.set(name, result);
  cachedCount++;
  return result;
}

function resolve(
  name: string,
  context: { defaultKind?: string; defaultNamespace?: string },
): GrammarResult<string> {
  const trimmed = name.trim();
  const expected =
    'expected an entity name such as `risk` or a ref such as `resource:default/orders-db`';
  if (!trimmed) return { errors: [`empty name: ${expected}`] };
  let parts: EntityRefParts;
  try {
    parts = parseEntityRef(trimmed, {
      defaultKind: context.defaultKind ?? 'component',
      defaultNamespace: context.defaultNamespace ?? 'default',
    });
  } catch {
    return {
      errors: [`\`${shorten(trimmed)}\` is not an entity ref: ${expected}`],
    };
  }
  if (!validators.isValidKind(parts.kind)) {
    return {
      errors: [
        `\`${shorten(trimmed)}\` has an invalid kind \`${shorten(
          parts.kind,
        )}\`: ${expected}`,
      ],
    };
  }
  if (
    !validators.isValidNamespace(parts.namespace.toLocaleLowerCase('en-US'))
  ) {
    return {
      errors: [
        `\`${shorten(trimmed)}\` has an invalid namespace \`${shorten(
          parts.namespace,
        )}\`: ${expected}`,
      ],
    };
  }
  if (!validators.isValidEntityName(parts.name)) {
    return {
      errors: [
        `\`${shorten(
          trimmed,
        )}\` is not a valid entity name (letters, digits and \`-_.\`, at most 63): ${expected}`,
      ],
    };
  }
  return { value: stringifyEntityRef(parts), errors: [] };
}

/** Parses the ref of the entity whose contract is read, leniently: never throws. */
export function entityParts(entityRef: string): EntityRefParts | undefined {
  try {
    return parseEntityRef(entityRef, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    });
  } catch {
    return undefined;
  }
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
