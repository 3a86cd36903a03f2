import { useMemo, useRef, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  CONTRACTS_SPEC_ANNOTATION,
  ContractProblem,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import type { EntityContract } from '@backstage-contracts/plugin-contracts-common';
import { CheckResult, contractsApiRef, ContractsFinding } from '../../api';
import { FindingItem, sortFindings } from '../ConflictsCard';
import { useEntityContracts, WrappingListItemText } from '../shared';
import { contractToYaml } from './contractYaml';

const FILE = 'what-if.yaml';

const useStyles = makeStyles(theme => ({
  editor: {
    display: 'flex',
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
    fontFamily: 'monospace',
    fontSize: 13,
    lineHeight: '20px',
    maxHeight: 480,
    overflow: 'auto',
  },
  gutter: {
    padding: '8px 6px',
    textAlign: 'right',
    color: theme.palette.text.secondary,
    background: theme.palette.action.hover,
    userSelect: 'none',
    whiteSpace: 'pre',
    minWidth: 36,
  },
  gutterProblem: { color: theme.palette.error.main, fontWeight: 'bold' },
  textarea: {
    flexGrow: 1,
    border: 0,
    outline: 0,
    resize: 'none',
    padding: 8,
    font: 'inherit',
    lineHeight: 'inherit',
    background: 'transparent',
    color: theme.palette.text.primary,
    whiteSpace: 'pre',
    overflow: 'hidden',
  },
}));

const contractTemplate = (name: string) => `service: ${name}
# This entity has no contract yet. What it needs of others, for example:
# depends_on:
#   - service: <provider>
#     operation: <operation>
#     latency_budget: { acceptable: p95 < 200ms }
#     timeout: 500ms
#     retry: none
`;

/** Where the editor's first text comes from, for the sentence above it. */
type Origin = 'annotation' | 'contract' | 'template';

function startingPoint(
  inline: string | undefined,
  contract: EntityContract | null | undefined,
  name: string,
): { text: string; origin: Origin } {
  if (inline !== undefined) return { text: inline, origin: 'annotation' };
  if (contract) return { text: contractToYaml(contract), origin: 'contract' };
  return { text: contractTemplate(name), origin: 'template' };
}

/** Compares what-if findings with today's: new ones, and ones that would go away. */
export function diffFindings(
  current: ContractsFinding[],
  next: ContractsFinding[],
) {
  const before = new Map(current.map(f => [f.id, f]));
  const after = new Set(next.map(f => f.id));
  const kept = next.filter(f => before.has(f.id));
  return {
    added: next.filter(f => !before.has(f.id)),
    removed: current.filter(f => !after.has(f.id)),
    /** Same finding (fingerprint), other values compared (evidence hash). */
    changed: kept.filter(f => before.get(f.id)!.evidence !== f.evidence),
    kept: kept.filter(f => before.get(f.id)!.evidence === f.evidence),
  };
}

/** A monospace contract editor with line numbers and the parser's located problems inline. */
export const ContractEditor = ({
  value,
  onChange,
  problems,
}: {
  value: string;
  onChange: (text: string) => void;
  problems: ContractProblem[];
}) => {
  const classes = useStyles();
  const ref = useRef<HTMLTextAreaElement>(null);
  const lines = value.split('\n');
  const problemLines = new Set(problems.map(p => p.line).filter(Boolean));
  const goTo = (p: ContractProblem) => {
    const el = ref.current;
    if (!el || !p.line) return;
    const offset =
      lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) +
      (p.column ?? 1) -
      1;
    el.focus();
    el.setSelectionRange(offset, offset);
  };
  return (
    <>
      <div className={classes.editor}>
        <div className={classes.gutter} aria-hidden>
          {lines.map((_, i) => (
            <div
              key={i}
              className={
                problemLines.has(i + 1) ? classes.gutterProblem : undefined
              }
            >
              {problemLines.has(i + 1) ? `● ${i + 1}` : i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={ref}
          aria-label="Contract YAML"
          className={classes.textarea}
          value={value}
          rows={Math.max(lines.length, 8)}
          spellCheck={false}
          onChange={e => onChange(e.target.value)}
        />
      </div>
      {problems.length > 0 ? (
        <List dense aria-label="contract problems">
          {problems.map((p, i) => (
            <ListItem key={i} button onClick={() => goTo(p)}>
              <WrappingListItemText
                primary={`${p.line ?? '?'}:${p.column ?? '?'} ${p.message}`}
                secondary={p.path || undefined}
                primaryTypographyProps={{ color: 'error', variant: 'body2' }}
              />
            </ListItem>
          ))}
        </List>
      ) : (
        <Typography variant="caption" color="textSecondary">
          The contract parses without problems.
        </Typography>
      )}
    </>
  );
};

const useDiffStyles = makeStyles(theme => ({
  section: { marginTop: theme.spacing(2) },
  added: {
    borderLeft: `4px solid ${theme.palette.success?.main ?? '#2e7d32'}`,
    paddingLeft: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  removed: {
    borderLeft: `4px solid ${theme.palette.error.main}`,
    paddingLeft: theme.spacing(1),
    marginBottom: theme.spacing(1),
    opacity: 0.75,
    // the finding's title line (not its chips) struck through
    '& .MuiAccordionSummary-content .MuiTypography-body2': {
      textDecoration: 'line-through',
    },
  },
  changed: {
    borderLeft: `4px solid ${theme.palette.warning.main}`,
    paddingLeft: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  sign: { fontFamily: 'monospace', fontWeight: 'bold', marginRight: 4 },
}));

const DiffSection = ({
  title,
  sign,
  findings,
  className,
  testId,
}: {
  title: string;
  sign: string;
  findings: ContractsFinding[];
  className: string;
  testId: string;
}) => {
  const classes = useDiffStyles();
  if (findings.length === 0) return null;
  return (
    <Box className={classes.section} data-testid={testId}>
      <Typography variant="subtitle2" gutterBottom>
        <span className={classes.sign} aria-hidden>
          {sign}
        </span>
        {title} ({findings.length})
      </Typography>
      {sortFindings(findings).map(f => (
        <Box key={f.id} className={className}>
          <FindingItem finding={f} />
        </Box>
      ))}
    </Box>
  );
};

/**
 * What-if: edit the entity's contract and see the findings it would cause before anyone
 * commits. The editor starts from the entity's contract: its `contracts.io/spec` annotation,
 * else the contract the backend read from its files (written as one document), else a
 * commented template. Problems come from the browser-side parser as you type; the findings the
 * change would add, resolve or change, compared with today's, from the backend.
 * @public
 */
export const WhatIfPanel = ({
  currentFindings,
}: {
  /** Today's findings (default: the entity's, from the backend). */
  currentFindings?: ContractsFinding[];
}) => {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(contractsApiRef);
  const diffClasses = useDiffStyles();
  const { value: today } = useEntityContracts(entityRef);
  const contract = today?.contracts;
  const findingsToday = currentFindings ?? today?.findings ?? [];
  const inline = entity.metadata.annotations?.[CONTRACTS_SPEC_ANNOTATION];
  const start = useMemo(
    () => startingPoint(inline, contract, entity.metadata.name),
    [inline, contract, entity.metadata.name],
  );
  const [edited, setEdited] = useState<string | undefined>();
  const text = edited ?? start.text;
  const problems = useMemo(
    () => parseEntityContract(entityRef, [{ file: FILE, text }]).problems,
    [entityRef, text],
  );
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<CheckResult | undefined>();
  const [error, setError] = useState<Error | undefined>();

  const check = async () => {
    setChecking(true);
    setError(undefined);
    try {
      setResult(await api.check(entityRef, [{ file: FILE, text }]));
    } catch (e) {
      setError(e as Error);
    } finally {
      setChecking(false);
    }
  };

  const diff = result && diffFindings(findingsToday, result.findings);
  if (diff && result?.added && result.removed) {
    // the backend compared with the graph itself: its lists win over today's as this page has them
    diff.added = result.added;
    diff.removed = result.removed;
    const added = new Set(result.added.map(f => f.id));
    diff.changed = diff.changed.filter(f => !added.has(f.id));
    diff.kept = diff.kept.filter(f => !added.has(f.id));
  }
  const sources = contract?.sources ?? [];

  return (
    <InfoCard title="What if…">
      <Typography variant="body2" paragraph>
        Edit this entity's contract and check the findings it would cause.
        Nothing is saved.{' '}
        {start.origin === 'contract' &&
          `It starts from the contract as the portal read it (${
            sources.length === 1
              ? sources[0]
              : `${sources.length} files: ${sources.join(', ')}`
          }), written as one document; Prometheus bindings are left out.`}
        {start.origin === 'template' &&
          today &&
          'This entity has no contract yet: start from the template.'}
      </Typography>
      <ContractEditor value={text} onChange={setEdited} problems={problems} />
      <Box mt={1} display="flex" style={{ gap: 8 }}>
        <Button
          variant="contained"
          color="primary"
          onClick={check}
          disabled={checking}
        >
          Check
        </Button>
        <Button
          variant="outlined"
          onClick={() => {
            setEdited(undefined);
            setResult(undefined);
          }}
          disabled={edited === undefined}
        >
          Start again from today's contract
        </Button>
      </Box>
      {checking && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {result && diff && (
        <Box mt={2} data-testid="what-if-result">
          {result.problems.length > 0 && (
            <Alert severity="warning">
              The backend found {result.problems.length} problem(s) in the
              contract.
            </Alert>
          )}
          <Typography variant="subtitle2">
            Compared with today: {diff.added.length} new · {diff.removed.length}{' '}
            would be resolved · {diff.changed.length} changed ·{' '}
            {diff.kept.length} unchanged
          </Typography>
          <DiffSection
            title="Would add"
            sign="+"
            findings={diff.added}
            className={diffClasses.added}
            testId="what-if-added"
          />
          <DiffSection
            title="Would resolve"
            sign="−"
            findings={diff.removed}
            className={diffClasses.removed}
            testId="what-if-removed"
          />
          <DiffSection
            title="Would change"
            sign="~"
            findings={diff.changed}
            className={diffClasses.changed}
            testId="what-if-changed"
          />
          {diff.kept.length > 0 && (
            <Typography variant="caption" color="textSecondary" component="p">
              Unchanged:{' '}
              {sortFindings(diff.kept)
                .map(f => f.title)
                .join(' · ')}
            </Typography>
          )}
        </Box>
      )}
    </InfoCard>
  );
};
