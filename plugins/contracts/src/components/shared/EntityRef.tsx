import { parseEntityRef } from '@backstage/catalog-model';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { HIDDEN_ENTITY } from '@backstage-contracts/plugin-contracts-common';

/**
 * Parses an entity ref as it came from the backend (any value): undefined when it is not a ref
 * (`group:default/`, '', a number, nothing) or when it is {@link HIDDEN_ENTITY}.
 */
export function safeParseEntityRef(
  ref: unknown,
  defaultKind?: string,
): CompoundEntityRef | undefined {
  if (typeof ref !== 'string' || ref === HIDDEN_ENTITY) return undefined;
  try {
    return parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' });
  } catch {
    return undefined;
  }
}

/** The text a value that is not an entity ref is shown as. */
function asText(ref: unknown): string {
  if (typeof ref === 'string') return ref.trim() ? ref : '(empty)';
  if (ref === undefined || ref === null) return '(none)';
  try {
    return JSON.stringify(ref) ?? String(ref);
  } catch {
    return String(ref);
  }
}

/** Props of {@link EntityRef}. */
export interface EntityRefProps {
  /** An entity ref as stored by the backend: any value, shown safely. */
  entityRef: unknown;
  /** The kind a ref without one has (`group` for deciders). */
  defaultKind?: string;
  /** Shown instead of the entity's name. */
  title?: string;
  /** A link to the entity's page (default); otherwise its name as text. */
  link?: boolean;
}

/**
 * The one way the plugin shows an entity ref: a link to the entity when the value is a ref,
 * "an entity you cannot see" in italics for {@link HIDDEN_ENTITY}, and the value as plain text
 * otherwise — a bad stored value never throws.
 */
export const EntityRef = ({
  entityRef,
  defaultKind,
  title,
  link = true,
}: EntityRefProps) => {
  if (entityRef === HIDDEN_ENTITY) {
    return <em data-testid="hidden-entity">{HIDDEN_ENTITY}</em>;
  }
  const parsed = safeParseEntityRef(entityRef, defaultKind);
  if (!parsed) {
    return (
      <span data-testid="not-an-entity-ref" title="not an entity reference">
        {asText(entityRef)}
      </span>
    );
  }
  if (!link) return <>{title ?? parsed.name}</>;
  return <EntityRefLink entityRef={parsed} title={title} />;
};

/** A list of entity refs, each through {@link EntityRef}, `separator` between them. */
export const EntityRefs = ({
  refs,
  separator = ', ',
  empty = 'none',
  ...rest
}: Omit<EntityRefProps, 'entityRef' | 'title'> & {
  refs: unknown;
  separator?: string;
  empty?: string;
}) => {
  const list = Array.isArray(refs) ? refs : [refs];
  if (refs === undefined || refs === null || list.length === 0) {
    return <>{empty}</>;
  }
  return (
    <>
      {list.map((r, i) => (
        <span key={i}>
          {i > 0 && separator}
          <EntityRef entityRef={r} {...rest} />
        </span>
      ))}
    </>
  );
};
