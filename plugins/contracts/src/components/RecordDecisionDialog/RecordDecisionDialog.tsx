import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import {
  contractsApiRef,
  ContractsFinding,
  Decision,
  DecisionInput,
} from '../../api';
import {
  apiErrorMessage,
  EntityRef,
  EntityRefs,
  FindingExplanation,
  notifyContractsChanged,
  useAcceptDecision,
} from '../shared';

/** Values of the form. */
export interface DecisionFormValues {
  title: string;
  context: string;
  options: string[];
  decision: string;
  rationale: string;
  /**
   * What the user does besides proposing: `proposed` nothing, `accepted` / `rejected` signs
   * that verdict for the decider groups the user belongs to.
   */
  status: 'proposed' | 'accepted' | 'rejected';
  reviewBy: string;
}

/** Validates the form; returns messages by field (empty when valid). */
export function validateDecision(
  v: DecisionFormValues,
  today: string = new Date().toISOString().slice(0, 10),
): Partial<Record<keyof DecisionFormValues, string>> {
  const errors: Partial<Record<keyof DecisionFormValues, string>> = {};
  if (!v.title.trim()) errors.title = 'Give the decision a title';
  if (!v.decision.trim()) errors.decision = 'Choose an option or write one';
  if (v.rationale.trim().length < 10) {
    errors.rationale = 'Explain why, in at least 10 characters';
  }
  if (v.reviewBy) {
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(v.reviewBy) ||
      isNaN(Date.parse(v.reviewBy))
    ) {
      errors.reviewBy = 'Use a date like 2030-01-31';
    } else if (v.reviewBy <= today) {
      errors.reviewBy = 'The review date must be in the future';
    }
  } else if (v.status === 'accepted') {
    errors.reviewBy = 'Signing an acceptance needs a review date';
  }
  return errors;
}

function inSixMonths(): string {
  const d = new Date();
  d.setMonth(d.getMonth() + 6);
  return d.toISOString().slice(0, 10);
}

const OTHER = '__other__';

/** The status choices: what the user does with the record besides proposing it. */
export const STATUS_CHOICES: Array<{
  value: DecisionFormValues['status'];
  label: string;
}> = [
  { value: 'proposed', label: 'propose' },
  { value: 'accepted', label: 'propose and sign acceptance' },
  { value: 'rejected', label: 'propose and sign rejection' },
];

/** "Decision required: Product + Security + Support" — the finding's deciders, read only. */
const DecisionRequired = ({ finding }: { finding: ContractsFinding }) => (
  <Typography
    variant="body2"
    style={{ marginTop: 16 }}
    data-testid="decision-required"
  >
    <strong>Decision required:</strong>{' '}
    {Array.isArray(finding.deciders) && finding.deciders.length > 0 ? (
      <EntityRefs refs={finding.deciders} defaultKind="group" separator=" + " />
    ) : (
      <>
        the owners of <EntityRef entityRef={finding.consumer} /> and{' '}
        <EntityRef entityRef={finding.provider} />
      </>
    )}
    . Each of them signs; the trade-off is accepted once all have signed an
    acceptance, and a rejection stands until that decider changes it.
  </Typography>
);

/** Props of {@link RecordDecisionDialog}. */
export interface RecordDecisionDialogProps {
  open: boolean;
  finding: ContractsFinding;
  /** When set, the new record supersedes this decision. */
  supersedes?: Decision;
  onClose: () => void;
  onRecorded?: (decision: Decision) => void;
}

/**
 * Proposes a trade-off decision on a finding: explanation, who must decide (read only: the
 * backend takes the deciders from the finding), options, chosen option, rationale, review-by
 * date, and whether the user signs it at once (acceptance or rejection). Disabled with a reason
 * when the user may not accept the finding.
 */
export const RecordDecisionDialog = (props: RecordDecisionDialogProps) => {
  const { open, finding, supersedes, onClose, onRecorded } = props;
  const contractsApi = useApi(contractsApiRef);
  const { denied, allowed } = useAcceptDecision(finding);

  const [values, setValues] = useState<DecisionFormValues>(() => ({
    title: supersedes?.title ?? `${finding.title}: ${finding.subject}`,
    context: supersedes?.context ?? finding.message ?? '',
    options: supersedes?.options ?? [...finding.resolutions],
    decision: supersedes?.decision ?? '',
    rationale: '',
    status: 'accepted',
    reviewBy: inSixMonths(),
  }));
  const [choice, setChoice] = useState<string>('');
  const [newOption, setNewOption] = useState('');
  const [touched, setTouched] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<Error | undefined>();
  const [idempotencyKey] = useState(
    () =>
      `${finding.id}-${Date.now().toString(36)}-${Math.random()
        .toString(36)
        .slice(2, 8)}`,
  );

  const errors = validateDecision(values);
  const set = <K extends keyof DecisionFormValues>(
    k: K,
    v: DecisionFormValues[K],
  ) => setValues(prev => ({ ...prev, [k]: v }));

  const choose = (option: string) => {
    setChoice(option);
    set('decision', option === OTHER ? '' : option);
  };

  const submit = async () => {
    setTouched(true);
    if (!allowed || Object.keys(errors).length > 0) return;
    setSubmitting(true);
    setSubmitError(undefined);
    const input: DecisionInput = {
      findingId: finding.id,
      title: values.title.trim(),
      context: values.context.trim() || undefined,
      options: values.options,
      decision: values.decision.trim(),
      rationale: values.rationale.trim(),
      status: values.status,
      reviewBy: values.reviewBy || undefined,
    };
    try {
      const decision = supersedes
        ? await contractsApi.supersedeDecision(
            supersedes.id,
            input,
            idempotencyKey,
          )
        : await contractsApi.recordDecision(input, idempotencyKey);
      notifyContractsChanged();
      onRecorded?.(decision);
      onClose();
    } catch (e) {
      setSubmitError(e as Error);
    } finally {
      setSubmitting(false);
    }
  };

  const show = (k: keyof DecisionFormValues) =>
    touched ? errors[k] : undefined;

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="record-decision-title"
    >
      <DialogTitle id="record-decision-title">
        {supersedes ? 'Supersede decision' : 'Record decision'}
      </DialogTitle>
      <DialogContent dividers>
        {denied && (
          <Alert severity="warning" style={{ marginBottom: 16 }}>
            You may not record a decision on this finding: only its deciders
            {Array.isArray(finding.deciders) && finding.deciders.length > 0 && (
              <>
                {' '}
                (
                <EntityRefs
                  refs={finding.deciders}
                  defaultKind="group"
                  link={false}
                />
                )
              </>
            )}{' '}
            or the owners of{' '}
            <EntityRef entityRef={finding.consumer} link={false} /> and{' '}
            <EntityRef entityRef={finding.provider} link={false} /> can accept
            it.
          </Alert>
        )}
        <FindingExplanation finding={finding} />
        <DecisionRequired finding={finding} />
        <fieldset
          disabled={!allowed || submitting}
          style={{ border: 0, padding: 0, margin: 0 }}
        >
          <TextField
            id="decision-title"
            label="Title"
            value={values.title}
            onChange={e => set('title', e.target.value)}
            fullWidth
            margin="normal"
            required
            error={!!show('title')}
            helperText={show('title')}
          />
          <FormControl component="fieldset" margin="normal" fullWidth>
            <FormLabel component="legend">Options considered</FormLabel>
            {values.options.map(o => (
              <FormControlLabel
                key={o}
                control={
                  <Checkbox
                    checked
                    onChange={() =>
                      set(
                        'options',
                        values.options.filter(x => x !== o),
                      )
                    }
                  />
                }
                label={o}
              />
            ))}
            <Box display="flex" alignItems="center">
              <TextField
                id="decision-new-option"
                label="Another option"
                value={newOption}
                onChange={e => setNewOption(e.target.value)}
                fullWidth
              />
              <Button
                disabled={
                  !newOption.trim() || values.options.includes(newOption.trim())
                }
                onClick={() => {
                  set('options', [...values.options, newOption.trim()]);
                  setNewOption('');
                }}
              >
                Add
              </Button>
            </Box>
          </FormControl>
          <FormControl fullWidth margin="normal" error={!!show('decision')}>
            <InputLabel id="decision-choice-label">Chosen option</InputLabel>
            <Select
              labelId="decision-choice-label"
              value={choice}
              onChange={e => choose(e.target.value as string)}
              disabled={!allowed}
            >
              {values.options.map(o => (
                <MenuItem key={o} value={o}>
                  {o}
                </MenuItem>
              ))}
              <MenuItem value={OTHER}>Something else (write it below)</MenuItem>
            </Select>
          </FormControl>
          {choice === OTHER && (
            <TextField
              id="decision-text"
              label="Decision"
              value={values.decision}
              onChange={e => set('decision', e.target.value)}
              fullWidth
              margin="normal"
              required
              error={!!show('decision')}
              helperText={show('decision')}
            />
          )}
          {choice !== OTHER && show('decision') && (
            <FormHelperText error>{show('decision')}</FormHelperText>
          )}
          <TextField
            id="decision-rationale"
            label="Rationale"
            value={values.rationale}
            onChange={e => set('rationale', e.target.value)}
            fullWidth
            multiline
            minRows={3}
            margin="normal"
            required
            error={!!show('rationale')}
            helperText={
              show('rationale') ?? 'Why this option, and what it costs'
            }
          />
          <Box display="flex" style={{ gap: 16 }}>
            <FormControl margin="normal" style={{ minWidth: 280 }}>
              <InputLabel id="decision-status-label">Status</InputLabel>
              <Select
                labelId="decision-status-label"
                value={values.status}
                onChange={e =>
                  set('status', e.target.value as DecisionFormValues['status'])
                }
                disabled={!allowed}
              >
                {STATUS_CHOICES.map(c => (
                  <MenuItem key={c.value} value={c.value}>
                    {c.label}
                  </MenuItem>
                ))}
              </Select>
            </FormControl>
            <TextField
              id="decision-review-by"
              label="Review by"
              type="date"
              value={values.reviewBy}
              onChange={e => set('reviewBy', e.target.value)}
              margin="normal"
              InputLabelProps={{ shrink: true }}
              error={!!show('reviewBy')}
              helperText={show('reviewBy')}
            />
          </Box>
        </fieldset>
        {submitError && (
          <Alert severity="error" style={{ marginTop: 16 }}>
            {apiErrorMessage(submitError)}
          </Alert>
        )}
        {touched && Object.keys(errors).length > 0 && (
          <Typography color="error" variant="body2" role="alert">
            Fix the highlighted fields to record the decision.
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={submit}
          disabled={!allowed || submitting}
          title={allowed ? undefined : 'You may not accept this finding'}
        >
          {supersedes ? 'Supersede' : 'Record decision'}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
