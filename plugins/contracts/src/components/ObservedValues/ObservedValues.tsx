import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  StatusError,
  StatusOK,
  StatusWarning,
  TrendLine,
} from '@backstage/core-components';
import {
  type EntityContract,
  formatObservedValue,
  formatWindow,
  type Observation,
} from '@backstage-contracts/plugin-contracts-common';

/** What was measured: `p95`, `worst age`, `availability`. */
function quantityOf(o: Observation): string {
  if (o.kind === 'latency') return `p${o.percentile ?? 95}`;
  return o.kind === 'freshness' ? 'worst age' : 'availability';
}

/** `3 min ago`, `2 h ago`, `1 d ago` */
function age(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const ms = Math.max(0, now - Date.parse(iso));
  if (ms < 60_000) return 'just now';
  return `${formatWindow(ms)} ago`;
}

const STATUS_TEXT: Record<Observation['status'], string> = {
  ok: 'measured',
  failing: 'query failing',
  'no-data': 'no data',
  'several-series': 'query gives several series',
};

/** Why an observation is not a pass: stale (no run since), or its status, with its last good value. */
function caption(o: Observation, stale: boolean, now: number): string {
  const parts: string[] = [];
  if (stale) {
    parts.push(`stale: not measured again since ${age(o.checkedAt, now)}`);
  }
  if (o.status !== 'ok') {
    parts.push(
      `${STATUS_TEXT[o.status]}${
        o.value !== undefined && o.measuredAt
          ? ` — last good value ${age(o.measuredAt, now)}`
          : ' — no value yet'
      }${o.error ? `: ${o.error}` : ''}`,
    );
  }
  return parts.join('; ');
}

/** One observation: the value beside the declared one, its sparkline, its status. */
const ObservedValue = ({
  observation: o,
  now,
}: {
  observation: Observation;
  now: number;
}) => {
  const quantity = quantityOf(o);
  const stale = o.staleAfter !== undefined && now > Date.parse(o.staleAfter);
  const ok = o.status === 'ok' && !stale;
  let Icon = StatusOK;
  if (!ok) Icon = o.value !== undefined ? StatusWarning : StatusError;
  const data = (o.series ?? []).map(([, v]) => v);
  const measuredAge = age(o.measuredAt, now);
  const label =
    o.value !== undefined
      ? `observed ${quantity} ${formatObservedValue(
          o,
          o.value,
        )} over ${formatWindow(o.windowMs)}`
      : `observed ${quantity}: not measured`;
  return (
    <Box
      component="span"
      display="flex"
      alignItems="center"
      flexWrap="wrap"
      data-testid="observed-value"
      data-status={stale ? 'stale' : o.status}
    >
      <Icon />
      <Typography component="span" variant="body2">
        {label}
        {ok && measuredAge ? ` (${measuredAge})` : ''}
      </Typography>
      {data.length > 1 && (
        <Box component="span" ml={1} width={80} display="inline-block">
          <TrendLine
            data={data}
            title={`${quantity} over ${formatWindow(o.windowMs)}, per ${
              o.step
            }`}
            color={ok ? undefined : '#9e9e9e'}
            min={0}
          />
        </Box>
      )}
      {!ok && (
        <Typography
          component="span"
          variant="caption"
          color={o.value !== undefined ? 'textSecondary' : 'error'}
          style={{ width: '100%' }}
        >
          {caption(o, stale, now)}
        </Typography>
      )}
    </Box>
  );
};

/**
 * What Prometheus measured for one promise of a contract (an operation's latency, a dataset's
 * age), shown beside the declared value: the value over the window with a sparkline, or —
 * when the query fails, returns nothing or several series — the status, the last good value
 * and its age. Never shown as a pass when it is not one. Nothing when the promise is not bound.
 */
export const ObservedValues = ({
  contract,
  kind,
  subject,
  now = Date.now(),
}: {
  contract: EntityContract;
  kind: Observation['kind'];
  subject: string;
  now?: number;
}) => {
  const observed = (contract.observed ?? [])
    .filter(o => o.kind === kind && o.subject === subject)
    .sort((a, b) => (a.percentile ?? 0) - (b.percentile ?? 0));
  if (observed.length === 0) return null;
  return (
    <Box component="span" display="block" mt={0.5}>
      {observed.map(o => (
        <ObservedValue
          key={`${o.kind}|${o.percentile ?? ''}`}
          observation={o}
          now={now}
        />
      ))}
    </Box>
  );
};
