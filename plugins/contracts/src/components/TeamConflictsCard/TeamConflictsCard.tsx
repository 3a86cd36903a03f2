import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import {
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  HIDDEN_ENTITY,
  type Severity,
} from '@backstage-contracts/plugin-contracts-common';
import { contractsApiRef, ContractsFinding } from '../../api';
import {
  EntityRef,
  ItemErrorBoundary,
  safeParseEntityRef,
  SEVERITY_COLOR,
  SEVERITY_ORDER,
  useContractsRefresh,
} from '../shared';
import { FindingsList } from '../ConflictsCard';

const MAX_PAGES = 20;

function ownerOf(entity: Entity): string | undefined {
  const rel = entity.relations?.find(r => r.type === RELATION_OWNED_BY);
  if (rel) return rel.targetRef;
  const owner = (entity.spec as any)?.owner;
  if (typeof owner !== 'string') return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? 'default',
      }),
    );
  } catch {
    return undefined;
  }
}

/** The team's findings, each with the counterpart team (the owner of the other party). */
export interface TeamFindings {
  findings: ContractsFinding[];
  counterpart: Map<string, string>;
  awaiting: ContractsFinding[];
}

/** Loads the findings of everything a group owns and who is on the other side of each. */
export function useTeamFindings(groupRef: string) {
  const contractsApi = useApi(contractsApiRef);
  const catalogApi = useApi(catalogApiRef);
  const state = useAsyncRetry(async (): Promise<TeamFindings> => {
    const findings: ContractsFinding[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await contractsApi.getFindings({
        owner: groupRef,
        cursor,
        limit: 200,
      });
      findings.push(...res.items);
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    // only refs the catalog can look up: not "an entity you cannot see", not a malformed value
    const refs = [
      ...new Set(findings.flatMap(f => [f.consumer, f.provider])),
    ].filter(r => safeParseEntityRef(r) !== undefined);
    const owners = new Map<string, string | undefined>();
    if (refs.length) {
      const { items } = await catalogApi.getEntitiesByRefs({
        entityRefs: refs,
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'spec.owner',
          'relations',
        ],
      });
      items.forEach((e, i) => owners.set(refs[i], e ? ownerOf(e) : undefined));
    }
    const counterpart = new Map<string, string>();
    for (const f of findings) {
      // a side the user may not see has a counterpart they may not see either
      const ownerOfSide = (ref: string) =>
        ref === HIDDEN_ENTITY ? HIDDEN_ENTITY : owners.get(ref);
      const consumerOwner = ownerOfSide(f.consumer);
      const providerOwner = ownerOfSide(f.provider);
      let other: string | undefined;
      if (consumerOwner === groupRef && providerOwner === groupRef)
        other = groupRef;
      else if (consumerOwner === groupRef) other = providerOwner;
      else other = consumerOwner;
      counterpart.set(f.id, other ?? 'unowned');
    }
    const awaiting = findings.filter(
      f =>
        f.status !== 'accepted' &&
        (f.severity === 'tradeoff' || f.deciders?.length) &&
        Array.isArray(f.deciders) &&
        f.deciders.includes(groupRef),
    );
    return { findings, counterpart, awaiting };
  }, [contractsApi, catalogApi, groupRef]);
  useContractsRefresh(state.retry);
  return state;
}

/** The counterpart team of a row: a link, or a label for no owner and for the team itself. */
const TeamCell = ({ team, groupRef }: { team: string; groupRef: string }) => {
  if (team === 'unowned') return <>unowned</>;
  if (team === groupRef) return <>within the team</>;
  return <EntityRef entityRef={team} defaultKind="group" />;
};

const SeverityCount = ({ severity, n }: { severity: Severity; n: number }) => (
  <Box
    px={2}
    py={1}
    borderRadius={4}
    style={{ border: `2px solid ${SEVERITY_COLOR[severity]}`, minWidth: 90 }}
    data-testid={`team-count-${severity}`}
  >
    <Typography variant="h5" style={{ color: SEVERITY_COLOR[severity] }}>
      {n}
    </Typography>
    <Typography variant="caption">{severity}</Typography>
  </Box>
);

/** Counts, the table by counterpart team, decisions awaiting, the findings. */
export const TeamConflictsView = ({
  groupRef,
  data,
}: {
  groupRef: string;
  data: TeamFindings;
}) => {
  const { findings, counterpart, awaiting } = data;
  const open = findings.filter(f => f.status !== 'accepted');
  const bySeverity = (list: ContractsFinding[], s: Severity) =>
    list.filter(f => f.severity === s).length;
  const teams = [...new Set(findings.map(f => counterpart.get(f.id)!))].sort();
  if (findings.length === 0) {
    return (
      <Typography variant="body2">
        No conflicts across anything this team owns.
      </Typography>
    );
  }
  return (
    <>
      <Typography variant="subtitle2">Open conflicts by severity</Typography>
      <Box display="flex" style={{ gap: 12 }} my={1}>
        {SEVERITY_ORDER.map(s => (
          <SeverityCount key={s} severity={s} n={bySeverity(open, s)} />
        ))}
      </Box>
      <Typography variant="subtitle2" style={{ marginTop: 16 }}>
        By counterpart team
      </Typography>
      <Table size="small" aria-label="conflicts by counterpart team">
        <TableHead>
          <TableRow>
            <TableCell>Team</TableCell>
            {SEVERITY_ORDER.map(s => (
              <TableCell key={s} align="right">
                {s}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {teams.map(t => {
            const list = open.filter(f => counterpart.get(f.id) === t);
            return (
              <TableRow key={t}>
                <TableCell>
                  <ItemErrorBoundary what="team" id={t}>
                    <TeamCell team={t} groupRef={groupRef} />
                  </ItemErrorBoundary>
                </TableCell>
                {SEVERITY_ORDER.map(s => (
                  <TableCell key={s} align="right">
                    {bySeverity(list, s) || ''}
                  </TableCell>
                ))}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      <Typography variant="subtitle2" style={{ marginTop: 16 }}>
        Decisions awaiting this team ({awaiting.length})
      </Typography>
      {awaiting.length === 0 ? (
        <Typography variant="body2">
          Nothing is waiting on this team.
        </Typography>
      ) : (
        <FindingsList findings={awaiting} />
      )}
      <Typography variant="subtitle2" style={{ marginTop: 16 }}>
        All conflicts
      </Typography>
      <FindingsList findings={findings} />
    </>
  );
};

/**
 * For a Group: conflicts across everything the group owns, by severity and by counterpart
 * team, and the decisions awaiting the team.
 * @public
 */
export const TeamConflictsCard = () => {
  const { entity } = useEntity();
  const groupRef = stringifyEntityRef(entity);
  const { value, loading, error } = useTeamFindings(groupRef);
  return (
    <InfoCard title="Contract conflicts">
      {loading && !value && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {!error && value && (
        <TeamConflictsView groupRef={groupRef} data={value} />
      )}
    </InfoCard>
  );
};
