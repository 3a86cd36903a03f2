import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi, errorApiRef } from '@backstage/core-plugin-api';
import {
  contractsApiRef,
  ContractsFinding,
  Decision,
  DecisionSignature,
  DecisionVerdict,
} from '../../api';
import {
  apiErrorMessage,
  EntityRef,
  notifyContractsChanged,
  StatusChip,
  useAcceptDecision,
} from '../shared';

const key = (ref: string) => ref.toLocaleLowerCase('en-US');

/** The latest signature of each decider (by decider, case-insensitive): the one that counts. */
export function latestSignatures(
  decision: Pick<Decision, 'signatures'>,
): Map<string, DecisionSignature> {
  const latest = new Map<string, DecisionSignature>();
  const signatures = Array.isArray(decision.signatures)
    ? decision.signatures
    : [];
  for (const s of signatures) {
    if (!s || typeof s.decider !== 'string') continue;
    const known = latest.get(key(s.decider));
    if (!known || String(known.signedAt) <= String(s.signedAt)) {
      latest.set(key(s.decider), s);
    }
  }
  return latest;
}

/** `2025-01-02T10:00:00.000Z` → `2025-01-02 10:00 UTC`; anything else as it is. */
export function formatInstant(value: unknown): string {
  if (typeof value !== 'string') return String(value ?? 'an unknown time');
  const at = Date.parse(value);
  if (Number.isNaN(at)) return value;
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The status a record shows: `superseded` once replaced, whatever the stored status says. */
export function shownStatus(d: Decision): Decision['status'] {
  if (d.supersededBy) return 'superseded';
  if (d.withdrawnAt || d.withdrawnBy) return 'withdrawn';
  return d.status;
}

/** A record that can still be signed, withdrawn or superseded. */
export function isCurrent(d: Decision): boolean {
  const status = shownStatus(d);
  return status !== 'superseded' && status !== 'withdrawn';
}

/** Each decider of a record with its latest verdict (who, when) or "awaiting". */
const Signatures = ({ decision }: { decision: Decision }) => {
  const deciders: unknown[] = Array.isArray(decision.deciders)
    ? decision.deciders
    : [];
  if (deciders.length === 0) {
    return (
      <Typography variant="caption" component="div" color="textSecondary">
        Decision required: no deciders on this record (recorded before deciders
        were verified); it cannot be accepted.
      </Typography>
    );
  }
  const latest = latestSignatures(decision);
  return (
    <Box component="ul" m={0} pl={2} data-testid="decider-signatures">
      {deciders.map((decider, i) => {
        const s =
          typeof decider === 'string' ? latest.get(key(decider)) : undefined;
        let state: string = 'awaiting';
        if (s) state = s.verdict === 'accept' ? 'accepted' : 'rejected';
        return (
          <Typography
            key={i}
            variant="caption"
            component="li"
            data-testid="decider"
            data-decider={String(decider)}
            data-state={state}
          >
            <EntityRef entityRef={decider} defaultKind="group" />:{' '}
            {s ? (
              <>
                <strong>{state}</strong> by{' '}
                <EntityRef entityRef={s.signedBy} defaultKind="user" /> on{' '}
                {formatInstant(s.signedAt)}
                {s.carriedFrom &&
                  ' (a rejection carried over from the record this one supersedes)'}
              </>
            ) : (
              <em>awaiting</em>
            )}
          </Typography>
        );
      })}
    </Box>
  );
};

/** "Sign: accept" / "Sign: reject", for a user who may accept the finding. */
const SignButtons = ({
  finding,
  busy,
  onSign,
}: {
  finding: ContractsFinding;
  busy: boolean;
  onSign: (verdict: DecisionVerdict) => void;
}) => {
  const { allowed } = useAcceptDecision(finding);
  if (!allowed) return null;
  return (
    <>
      <Button
        size="small"
        color="primary"
        variant="outlined"
        disabled={busy}
        onClick={() => onSign('accept')}
      >
        Sign: accept
      </Button>
      <Button
        size="small"
        variant="outlined"
        disabled={busy}
        onClick={() => onSign('reject')}
      >
        Sign: reject
      </Button>
    </>
  );
};

/** Downloads the record as an ADR file (MADR, `NNNN-title.md`) to commit next to the contracts. */
const MarkdownButton = ({ decision }: { decision: Decision }) => {
  const api = useApi(contractsApiRef);
  const errorApi = useApi(errorApiRef);
  const open = async () => {
    try {
      const { fileName, text } = await api.getDecisionAdr(decision.id);
      const url = URL.createObjectURL(
        new Blob([text], { type: 'text/markdown' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      errorApi.post(new Error(apiErrorMessage(e)));
    }
  };
  return (
    <Button size="small" onClick={open}>
      ADR file
    </Button>
  );
};

/** Props of {@link DecisionItem}. */
export interface DecisionItemProps {
  decision: Decision;
  /** The finding the record answers, when the entity still has it: signing needs it. */
  finding?: ContractsFinding;
  /** Entity ref of the signed-in user: the recorder may withdraw. */
  userRef?: string;
  /** Titles of the records it supersedes or is superseded by, when known. */
  titleOf?: (id: string) => string | undefined;
  /** Opens the supersede dialog; absent in the history (read only). */
  onSupersede?: (decision: Decision, finding: ContractsFinding) => void;
  /** Read only: no signing, withdrawing or superseding. */
  readOnly?: boolean;
}

/**
 * One decision record: status, title, decision and rationale, each decider's signature or
 * "awaiting", the review date, who recorded it, the supersede chain; for a current record the
 * actions the user may take (sign, withdraw, supersede). An API refusal (403, 409, 429) shows
 * in words under the record.
 */
export const DecisionItem = ({
  decision,
  finding,
  userRef,
  titleOf = () => undefined,
  onSupersede,
  readOnly,
}: DecisionItemProps) => {
  const api = useApi(contractsApiRef);
  // the record as the last action answered it, until the entity is fetched again
  const [updated, setUpdated] = useState<
    { from: Decision; to: Decision } | undefined
  >();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const d = updated?.from === decision ? updated.to : decision;
  const current = !readOnly && isCurrent(d);
  const mine =
    typeof userRef === 'string' &&
    typeof d.recordedBy === 'string' &&
    key(userRef) === key(d.recordedBy);

  const act = async (action: () => Promise<Decision>) => {
    setBusy(true);
    setError(undefined);
    try {
      const to = await action();
      setUpdated({ from: decision, to });
      notifyContractsChanged();
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const recordedAt =
    typeof d.recordedAt === 'string'
      ? d.recordedAt.slice(0, 10)
      : 'an unknown date';
  return (
    <Box width="100%" data-decision-id={d.id} data-status={shownStatus(d)}>
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        style={{ gap: 8 }}
      >
        <StatusChip status={shownStatus(d)} />
        <Typography variant="body2">
          <strong>{d.title}</strong>
        </Typography>
        <Box flexGrow={1} />
        <MarkdownButton decision={d} />
        {current && finding && onSupersede && (
          <Button
            size="small"
            disabled={busy}
            onClick={() => onSupersede(d, finding)}
          >
            Supersede
          </Button>
        )}
        {current && mine && (
          <Button
            size="small"
            disabled={busy}
            onClick={() => act(() => api.withdrawDecision(d.id))}
          >
            Withdraw
          </Button>
        )}
      </Box>
      <Typography variant="body2">Decision: {d.decision}</Typography>
      <Typography variant="body2" color="textSecondary">
        Rationale: {d.rationale}
      </Typography>
      <Typography variant="caption" component="div" color="textSecondary">
        Decision required:
      </Typography>
      <Signatures decision={d} />
      {current && finding && (
        <Box display="flex" style={{ gap: 8 }} my={0.5}>
          <SignButtons
            finding={finding}
            busy={busy}
            onSign={verdict => act(() => api.signDecision(d.id, verdict))}
          />
        </Box>
      )}
      <Typography variant="caption" component="div" color="textSecondary">
        Review by {d.reviewBy ?? 'no date'} · recorded by{' '}
        <EntityRef entityRef={d.recordedBy} defaultKind="user" /> on{' '}
        {recordedAt}
        {(d.withdrawnAt || d.withdrawnBy) && (
          <>
            {' '}
            · withdrawn by{' '}
            <EntityRef entityRef={d.withdrawnBy} defaultKind="user" /> on{' '}
            {formatInstant(d.withdrawnAt)}
          </>
        )}
      </Typography>
      {(d.supersedes || d.supersededBy) && (
        <Typography variant="caption" component="div" color="textSecondary">
          {d.supersedes &&
            `Supersedes “${titleOf(d.supersedes) ?? d.supersedes}”. `}
          {d.supersededBy &&
            `Superseded by “${titleOf(d.supersededBy) ?? d.supersededBy}”.`}
        </Typography>
      )}
      {error && (
        <Alert severity="error" role="alert" style={{ marginTop: 8 }}>
          {error}
        </Alert>
      )}
    </Box>
  );
};
