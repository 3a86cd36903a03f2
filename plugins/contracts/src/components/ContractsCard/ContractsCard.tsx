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
import {
  describeDataDependency,
  describeDependency,
  describeRequirement,
  describeRetryPolicy,
  formatLatencies,
  formatMs,
  EntityRef,
  NotInGraphYet,
  useEntityContracts,
  WrappingListItemText,
} from '../shared';

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

/** The contract in plain words: what the entity provides, what it needs of whom. */
export const ContractSummary = ({
  contract,
  problems,
}: {
  contract: EntityContract;
  problems: ContractProblem[];
}) => {
  const provides =
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
      {provides > 0 && (
        <Section title="Provides">
          {contract.operations.map(o => (
            <Line
              key={`op-${o.name}`}
              primary={
                <>
                  operation <strong>{o.name}</strong>
                </>
              }
              secondary={[
                o.current.length || o.currentRaw
                  ? `latency now ${o.currentRaw ?? formatLatencies(o.current)}`
                  : undefined,
                o.target.length || o.targetRaw
                  ? `target ${o.targetRaw ?? formatLatencies(o.target)}`
                  : undefined,
              ]
                .filter(Boolean)
                .join(' · ')}
            />
          ))}
          {contract.datasets.map(d => (
            <Line
              key={`ds-${d.name}`}
              primary={
                <>
                  dataset <strong>{d.name}</strong>
                  {d.via ? ` via ${d.via}` : ''}
                </>
              }
              secondary={[
                d.freshness ? `freshness ${d.freshness.raw}` : undefined,
                d.derivedFrom.length
                  ? `derived from ${d.derivedFrom
                      .map(s => `${s.source}.${s.dataset}`)
                      .join(', ')}`
                  : undefined,
              ]
                .filter(Boolean)
                .join(' · ')}
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
                  operation <strong>{i.name}</strong> deduplicates
                </>
              }
              secondary={[
                i.idempotencyKey ? `on ${i.idempotencyKey}` : undefined,
                i.expects ? `expects ${i.expects}` : undefined,
                i.windowMs !== undefined
                  ? `window ${formatMs(i.windowMs)}`
                  : undefined,
              ]
                .filter(Boolean)
                .join(' · ')}
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
                  needs <EntityRef entityRef={d.ref} title={d.service} />
                  {d.operation ? `.${d.operation}` : ''} {describeDependency(d)}
                </>
              }
            />
          ))}
          {contract.dataDependencies.map((d, i) => (
            <Line
              key={`data-${i}`}
              primary={
                <>
                  needs <EntityRef entityRef={d.ref} title={d.source} />{' '}
                  {describeDataDependency(d)}
                </>
              }
              secondary={
                d.impactIfStale ? `if stale: ${d.impactIfStale}` : undefined
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
            <Line key={`retry-${i}`} primary={describeRetryPolicy(p)} />
          ))}
        </Section>
      )}
      {provides + needs === 0 && (
        <Typography variant="body2">
          The contract declares nothing yet.
        </Typography>
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
    <ContractSummary contract={value.contracts} problems={value.problems} />
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
        <ContractsCardBody entityRef={stringifyEntityRef(entity)} />
      ) : (
        <ContractsMissingAnnotation />
      )}
    </InfoCard>
  );
};
