import { useMemo, useRef, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { InfoCard, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  CONTRACTS_SPEC_ANNOTATION,
  ContractProblem,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import { CheckResult, contractsApiRef, ContractsFinding } from '../../api';
import { FindingItem, sortFindings } from '../ConflictsCard';
import { WrappingListItemText } from '../shared';

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
# depends_on:
#   - service: risk
#     operation: scoreTransaction
#     latency_budget: { acceptable: p95 < 200ms }
#     timeout: 500ms
#     retry: none
`;

/** Compares what-if findings with today's: new ones, and ones that would go away. */
export function diffFindings(current: ContractsFinding[], next: ContractsFinding[]) {
  const before = new Set(current.map(f => f.id));
  const after = new Set(next.map(f => f.id));
  return {
    added: next.filter(f => !before.has(f.id)),
    removed: current.filter(f => !after.has(f.id)),
    kept: next.filter(f => before.has(f.id)),
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
      lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + (p.column ?? 1) - 1;
    el.focus();
    el.setSelectionRange(offset, offset);
  };
  return (
    <>
      <div className={classes.editor}>
        <div className={classes.gutter} aria-hidden>
          {lines.map((_, i) => (
            <div key={i} className={problemLines.has(i + 1) ? classes.gutterProblem : undefined}>
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

/**
 * What-if: edit the entity's contract and see the findings it would cause before anyone
 * commits. Problems come from the browser-side parser as you type; findings from the backend.
 * @public
 */
export const WhatIfPanel = ({ currentFindings = [] }: { currentFindings?: ContractsFinding[] }) => {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(contractsApiRef);
  const [text, setText] = useState(
    () => entity.metadata.annotations?.[CONTRACTS_SPEC_ANNOTATION] ?? contractTemplate(entity.metadata.name),
  );
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

  const diff =
    result &&
    (result.added && result.removed
      ? {
          added: result.added,
          removed: result.removed,
          kept: result.findings.filter(
            f => !result.added!.some(a => a.id === f.id),
          ),
        }
      : diffFindings(currentFindings, result.findings));

  return (
    <InfoCard title="What if…">
      <Typography variant="body2" paragraph>
        Edit this entity's contract and check the findings it would cause. Nothing is saved.
        {!entity.metadata.annotations?.[CONTRACTS_SPEC_ANNOTATION] &&
          ' The contract lives in files behind contracts.io/ref; start from the template or paste a file.'}
      </Typography>
      <ContractEditor value={text} onChange={setText} problems={problems} />
      <Box mt={1} display="flex" style={{ gap: 8 }}>
        <Button variant="contained" color="primary" onClick={check} disabled={checking}>
          Check
        </Button>
      </Box>
      {checking && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {result && diff && (
        <Box mt={2} data-testid="what-if-result">
          {result.problems.length > 0 && (
            <Alert severity="warning">
              The backend found {result.problems.length} problem(s) in the contract.
            </Alert>
          )}
          <Typography variant="subtitle2">
            {result.findings.length} finding(s) · {diff.added.length} new ·{' '}
            {diff.removed.length} would be resolved
          </Typography>
          {sortFindings(diff.added).map(f => (
            <Box key={f.id}>
              <Typography variant="caption">new</Typography>
              <FindingItem finding={f} />
            </Box>
          ))}
          {sortFindings(diff.removed).map(f => (
            <Box key={f.id} style={{ opacity: 0.7 }}>
              <Typography variant="caption">resolved</Typography>
              <FindingItem finding={f} />
            </Box>
          ))}
          {sortFindings(diff.kept).map(f => (
            <FindingItem key={f.id} finding={f} />
          ))}
        </Box>
      )}
    </InfoCard>
  );
};
