import { createContext, useContext, useMemo } from 'react';
import type { ReactNode } from 'react';
import { type Entity, getEntitySourceLocation } from '@backstage/catalog-model';
import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { Link } from '@backstage/core-components';
import { useApiHolder } from '@backstage/core-plugin-api';
import { scmIntegrationsApiRef } from '@backstage/integration-react';
import type { DiscoveredAt } from '@backstage-contracts/plugin-contracts-common';

/** `src/riskClient.ts:14:22` (the column when known). */
export function formatDiscoveredAt(at: DiscoveredAt): string {
  return `${at.file}:${at.line}${at.column ? `:${at.column}` : ''}`;
}

/** Turns where a value was found into a URL, or undefined for plain text. */
type LinkTo = (at: DiscoveredAt) => string | undefined;

const noLink: LinkTo = () => undefined;

const DiscoveredLinkContext = createContext<LinkTo>(noLink);

/**
 * The URL discovered files are relative to: the entity's `backstage.io/source-location`, else
 * its `backstage.io/managed-by-location` (its catalog-info.yaml, whose folder is the service's),
 * as the catalog model reads them; undefined unless it is a URL a configured SCM integration
 * serves.
 */
function repositoryBase(
  entity: Entity,
  scm: { byUrl(url: string): unknown },
): string | undefined {
  let location: { type: string; target: string };
  try {
    location = getEntitySourceLocation(entity);
  } catch {
    return undefined; // neither annotation
  }
  if (location.type !== 'url' || !/^https?:\/\//.test(location.target))
    return undefined;
  return scm.byUrl(location.target) ? location.target : undefined;
}

/**
 * Where discovered values are in the repository, as URLs: the file resolved against the
 * entity's `backstage.io/source-location` (else its `backstage.io/managed-by-location`) by the
 * SCM integration that serves it (with the line, e.g. `…/tree/main/src/riskClient.ts#L14` on
 * GitHub). Plain text (no URL) when that location is not a URL a configured SCM integration
 * knows (a `file:` location, none, an unknown host), and outside a provider.
 */
export const DiscoveredLinkProvider = ({
  entity,
  children,
}: {
  entity: Entity;
  children: ReactNode;
}) => {
  const scm = useApiHolder().get(scmIntegrationsApiRef);
  const linkTo = useMemo<LinkTo>(() => {
    const base = scm && repositoryBase(entity, scm);
    if (!scm || !base) return noLink;
    return (at: DiscoveredAt) => {
      // a place the draft did not write relative to the repository is not linked
      if (
        /^[a-z][a-z0-9+.-]*:/i.test(at.file) ||
        /(^|\/)\.\.(\/|$)/.test(at.file)
      ) {
        return undefined;
      }
      try {
        return scm.resolveUrl({
          url: at.file.replace(/^\.?\/+/, ''),
          base,
          lineNumber: at.line,
        });
      } catch {
        return undefined;
      }
    };
  }, [entity, scm]);
  return (
    <DiscoveredLinkContext.Provider value={linkTo}>
      {children}
    </DiscoveredLinkContext.Provider>
  );
};

/** The URL of a place in the entity's repository (see {@link DiscoveredLinkProvider}). */
export function useDiscoveredLink(): LinkTo {
  return useContext(DiscoveredLinkContext);
}

/** Props of {@link DiscoveredMark}. */
export interface DiscoveredMarkProps {
  /** Where `contracts discover` found the value. */
  at: DiscoveredAt;
  /** The key of the value as written in the contract (`timeout`, `max_attempts`…). */
  what: string;
  /** Shows the key before the location (for marks not placed beside their value). */
  showKey?: boolean;
}

/**
 * A "discovered" chip and where the value was found (file:line:column), linked to the
 * repository when the entity's source location allows it, plain text otherwise.
 */
export const DiscoveredMark = ({ at, what, showKey }: DiscoveredMarkProps) => {
  const linkTo = useDiscoveredLink();
  const where = formatDiscoveredAt(at);
  const url = linkTo(at);
  return (
    <span data-testid="discovered-mark" style={{ whiteSpace: 'nowrap' }}>
      {' '}
      <Tooltip
        title={`${what}: discovered in code by contracts discover, not declared`}
      >
        <Chip
          component="span"
          size="small"
          variant="outlined"
          color="primary"
          label="discovered"
          style={{ height: 18, fontSize: '0.7rem' }}
        />
      </Tooltip>{' '}
      <Typography variant="caption" component="span" color="textSecondary">
        {showKey ? `${what} ` : ''}
        {url ? <Link to={url}>{where}</Link> : where}
      </Typography>
    </span>
  );
};
