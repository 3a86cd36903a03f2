import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  CONTRACTS_REF_ANNOTATION,
  CONTRACTS_SPEC_ANNOTATION,
  ContractProblem,
  EntityContract,
  isContractsAvailable,
} from '@backstage-contracts/plugin-contracts-common';
import type { ContractsFinding } from '../../api';
import {
  describeRequirement,
  formatLatencies,
  EntityRef,
  NotInGraphYet,
  useEntityContracts,
  WrappingListItemText,
} from '../shared';
import { Marked, MarkedParts } from './MarkedParts';
import { ImportedMarks } from './ImportedMarks';
import {
  dataDependencyParts,
  dependencyParts,
  idempotencyParts,
  retryPolicyParts,
} from './parts';
import { DriftFindings, driftFindingsOf } from './DriftFindings';
import { DiscoveredLinkProvider } from './DiscoveredMark';
import { ObservedValues } from '../ObservedValues';

const Section = ({
  title,
  children,
}: {
  title: string;
  children: React.ReactNode;
}) => (
  <Box mb={2}>
    <Typography variant="subtitle2">{title}</Typography>
    <List dense disablePadding>
      {children}
    </List>
  </Box>
);

const Line = ({
  primary,
  secondary,
}: {
  primary: React.ReactNode;
  secondary?: React.ReactNode;
}) => (
  <ListItem disableGutters>
    <WrappingListItemText primary={primary} secondary={secondary} />
  </ListItem>
);

/** Whether any value of the contract was imported from a standard rather than declared. */
function hasImportedValues(contract: EntityContract): boolean {
  return [
    ...contract.operations,
    ...contract.datasets,
    ...contract.idempotency,
  ].some(item => item.imported && Object.keys(item.imported).length > 0);
}

/** Whether any value of the contract was discovered rather than declared. */
function hasDiscoveredValues(contract: EntityContract): boolean {
  return [
    ...contract.dependsOn,
    ...contract.dataDependencies,
    ...contract.retryPolicies,
    ...contract.idempotency,
  ].some(item => item.discovered && Object.keys(item.discovered).length > 0);
}

/**
 * The contract in plain words: what the entity provides, what it needs of whom. Values
 * `contracts discover` found in code carry a "discovered" mark with where (linked to the
 * repository when the entity's source location allows it); the others were declared. Drift
 * findings (the code does otherwise than the contract declares) follow.
 */
export const ContractSummary = ({
  contract,
  problems,
  drift = [],
}: {
  contract: EntityContract;
  problems: ContractProblem[];
  /** The entity's `contract-drift` findings. */
  drift?: ContractsFinding[];
}) => {
  const provides =
    (contract.availability ? 1 : 0) +
    contract.operations.length +
    contract.datasets.length +
    contract.endpoints.length +
    contract.idempotency.length;
  const needs =
    contract.dependsOn.length +
    contract.dataDependencies.length +
    contract.requires.length +
    contract.retryPolicies.length;
  return (
    <>
      {hasImportedValues(contract) && (
        <Typography variant="caption" color="textSecondary" component="p">
          Values marked imported were read from a standard the team already
          writes (ODCS, an SLO, OpenAPI); the others were declared.
        </Typography>
      )}
      {hasDiscoveredValues(contract) && (
        <Typography variant="caption" color="textSecondary" component="p">
          Values marked discovered were found in code by contracts discover; the
          others were declared.
        </Typography>
      )}
      {provides > 0 && (
        <Section title="Provides">
          {contract.availability && (
            <Line
              key="availability"
              primary={
                <>
                  availability <strong>{contract.availability.raw}</strong> of
                  the whole service
                </>
              }
              secondary={
                <ObservedValues
                  contract={contract}
                  kind="availability"
                  subject="*"
                />
              }
            />
          )}
          {contract.operations.map(o => (
            <Line
              key={`op-${o.name}`}
              primary={
                <>
                  operation <strong>{o.name}</strong>
                  <ImportedMarks marks={o.imported} />
                </>
              }
              secondary={
                <>
                  {[
                    o.current.length || o.currentRaw
                      ? `latency now ${
                          o.currentRaw ?? formatLatencies(o.current)
                        }`
                      : undefined,
                    o.target.length || o.targetRaw
                      ? `target ${o.targetRaw ?? formatLatencies(o.target)}`
                      : undefined,
                    o.availability
                      ? `availability ${o.availability.raw}`
                      : undefined,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                  <ObservedValues
                    contract={contract}
                    kind="latency"
                    subject={o.name}
                  />
                  <ObservedValues
                    contract={contract}
                    kind="availability"
                    subject={o.name}
                  />
                </>
              }
            />
          ))}
          {contract.datasets.map(d => (
            <Line
              key={`ds-${d.name}`}
              primary={
                <>
                  dataset <strong>{d.name}</strong>
                  {d.via ? ` via ${d.via}` : ''}
                  <ImportedMarks marks={d.imported} />
                </>
              }
              secondary={
                <>
                  {[
                    d.freshness ? `freshness ${d.freshness.raw}` : undefined,
                    d.pii ? `PII: ${d.pii}` : undefined,
                    d.derivedFrom.length
                      ? `derived from ${d.derivedFrom
                          .map(s => `${s.source}.${s.dataset}`)
                          .join(', ')}`
                      : undefined,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                  <ObservedValues
                    contract={contract}
                    kind="freshness"
                    subject={d.name}
                  />
                </>
              }
            />
          ))}
          {contract.endpoints.map(e => (
            <Line
              key={`ep-${e.path}`}
              primary={
                <>
                  endpoint <strong>{e.path}</strong>
                </>
              }
              secondary={[
                `access ${e.access ?? 'any'}`,
                e.pii ? `PII: ${e.pii}` : 'no PII declared',
                e.data.length ? `carries ${e.data.join(', ')}` : e.returns,
              ]
                .filter(Boolean)
                .join(' · ')}
            />
          ))}
          {contract.idempotency.map(i => (
            <Line
              key={`idem-${i.name}`}
              primary={
                <>
                  operation{' '}
                  <Marked marks={i.discovered} markKey="name">
                    <strong>{i.name}</strong>
                  </Marked>{' '}
                  deduplicates
                  <ImportedMarks marks={i.imported} />
                </>
              }
              secondary={
                <MarkedParts
                  parts={idempotencyParts(i)}
                  marks={i.discovered}
                  separator=" · "
                  otherKeys={['name']}
                />
              }
            />
          ))}
        </Section>
      )}
      {needs > 0 && (
        <Section title="Requires">
          {contract.dependsOn.map((d, i) => (
            <Line
              key={`dep-${i}`}
              primary={
                <>
                  needs{' '}
                  <Marked marks={d.discovered} markKey="service">
                    <EntityRef entityRef={d.ref} title={d.service} />
                  </Marked>
                  <Marked marks={d.discovered} markKey="operation">
                    {d.operation ? `.${d.operation}` : ''}
                  </Marked>{' '}
                  <MarkedParts
                    parts={dependencyParts(d)}
                    marks={d.discovered}
                    otherKeys={['service', 'operation']}
                  />
                </>
              }
            />
          ))}
          {contract.dataDependencies.map((d, i) => (
            <Line
              key={`data-${i}`}
              primary={
                <>
                  needs{' '}
                  <Marked marks={d.discovered} markKey="source">
                    <EntityRef entityRef={d.ref} title={d.source} />
                  </Marked>{' '}
                  <MarkedParts
                    parts={dataDependencyParts(d)}
                    marks={d.discovered}
                    separator=" "
                    otherKeys={['source', 'impact_if_stale']}
                  />
                </>
              }
              secondary={
                d.impactIfStale ? (
                  <Marked marks={d.discovered} markKey="impact_if_stale">
                    if stale: {d.impactIfStale}
                  </Marked>
                ) : undefined
              }
            />
          ))}
          {contract.requires.map((r, i) => (
            <Line
              key={`req-${i}`}
              primary={
                <>
                  needs from <EntityRef entityRef={r.ref} title={r.from} />{' '}
                  {describeRequirement(r)}
                </>
              }
            />
          ))}
          {contract.retryPolicies.map((p, i) => (
            <Line
              key={`retry-${i}`}
              primary={
                <MarkedParts parts={retryPolicyParts(p)} marks={p.discovered} />
              }
            />
          ))}
        </Section>
      )}
      {provides + needs === 0 && (
        <Typography variant="body2">
          The contract declares nothing yet.
        </Typography>
      )}
      {drift.length > 0 && (
        <Section title={`Drift from code (${drift.length})`}>
          <DriftFindings findings={drift} />
        </Section>
      )}
      {problems.length > 0 && (
        <Section title={`Problems (${problems.length})`}>
          {problems.map((p, i) => (
            <Line
              key={`problem-${i}`}
              primary={p.message}
              secondary={`${p.file ?? ''}${
                p.line ? `:${p.line}:${p.column ?? 1}` : ''
              }${p.path ? ` at ${p.path}` : ''}`}
            />
          ))}
        </Section>
      )}
    </>
  );
};

/** Shown when the entity has no contracts annotation. */
export const ContractsMissingAnnotation = () => (
  <MissingAnnotationEmptyState
    annotation={[CONTRACTS_SPEC_ANNOTATION, CONTRACTS_REF_ANNOTATION]}
    readMoreUrl="https://github.com/backstage-contracts/backstage-contracts#annotations"
  />
);

const ContractsCardBody = ({ entityRef }: { entityRef: string }) => {
  const { value, loading, error } = useEntityContracts(entityRef);
  if (loading) return <Progress />;
  if (!value)
    return error ? <ResponseErrorPanel error={error} /> : <NotInGraphYet />;
  if (!value.contracts) {
    return (
      <Typography variant="body2">
        No contract has been read for this entity yet
        {value.problems.length ? ':' : '.'}
        {value.problems.map((p, i) => (
          <span key={i}>
            <br />
            {p.message}
          </span>
        ))}
      </Typography>
    );
  }
  return (
    <ContractSummary
      contract={value.contracts}
      problems={value.problems}
      drift={driftFindingsOf(value.findings ?? [], entityRef)}
    />
  );
};

/**
 * What the entity provides and what it requires of whom, in plain words.
 * @public
 */
export const ContractsCard = () => {
  const { entity } = useEntity();
  const available = isContractsAvailable(entity);
  return (
    <InfoCard title="Contracts">
      {available ? (
        <DiscoveredLinkProvider entity={entity}>
          <ContractsCardBody entityRef={stringifyEntityRef(entity)} />
        </DiscoveredLinkProvider>
      ) : (
        <ContractsMissingAnnotation />
      )}
    </InfoCard>
  );
};
