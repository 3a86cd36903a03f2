import type { CSSProperties, ReactNode } from 'react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { alpha, makeStyles, useTheme } from '@material-ui/core/styles';
import { formatMs } from '@backstage-contracts/plugin-contracts-common';
// module paths, not '../shared': shared's FindingExplanation imports this module
import { refName } from '../shared/format';
import type {
  FreshnessWaterfallModel,
  LatencyHop,
  LatencyWaterfallModel,
} from './waterfall';

const LABEL_WIDTH = 240;

const useStyles = makeStyles(theme => {
  const hatch = (color: string) =>
    `repeating-linear-gradient(135deg, ${alpha(
      color,
      0.35,
    )} 0 4px, transparent 4px 8px)`;
  return {
    figure: { margin: 0, minWidth: 0 },
    row: {
      display: 'grid',
      gridTemplateColumns: `${LABEL_WIDTH}px minmax(0, 1fr)`,
      alignItems: 'stretch',
      minHeight: 40,
      borderBottom: `1px solid ${theme.palette.divider}`,
    },
    critical: { background: alpha(theme.palette.error.main, 0.08) },
    label: {
      padding: theme.spacing(0.5, 1, 0.5, 0),
      minWidth: 0,
      overflowWrap: 'anywhere',
      lineHeight: 1.3,
    },
    name: { fontWeight: 500, fontSize: 13 },
    facts: { fontSize: 12, color: theme.palette.text.secondary },
    track: { position: 'relative', minWidth: 0 },
    bar: {
      position: 'absolute',
      top: 12,
      height: 16,
      minWidth: 2,
      borderRadius: 2,
      background: theme.palette.primary.main,
    },
    barOver: { background: theme.palette.warning.main },
    barCritical: { background: theme.palette.error.main },
    barDerived: {
      background: 'transparent',
      border: `2px dashed ${theme.palette.text.secondary}`,
      boxSizing: 'border-box',
    },
    barTypical: { opacity: 0.55 },
    retries: {
      position: 'absolute',
      top: 8,
      height: 24,
      background: hatch(theme.palette.warning.main),
      border: `1px solid ${alpha(theme.palette.warning.main, 0.6)}`,
      boxSizing: 'border-box',
    },
    whisker: {
      position: 'absolute',
      top: 19,
      height: 2,
      background: theme.palette.text.primary,
      '&::after': {
        content: '""',
        position: 'absolute',
        right: 0,
        top: -5,
        width: 2,
        height: 12,
        background: theme.palette.text.primary,
      },
    },
    timeout: {
      position: 'absolute',
      top: 4,
      bottom: 4,
      width: 0,
      borderLeft: `3px solid ${theme.palette.text.primary}`,
    },
    line: {
      position: 'absolute',
      top: 0,
      bottom: 0,
      width: 0,
      borderLeft: `2px dashed ${theme.palette.error.main}`,
    },
    value: {
      position: 'absolute',
      top: 12,
      fontSize: 12,
      lineHeight: '16px',
      whiteSpace: 'nowrap',
      color: theme.palette.text.primary,
      fontVariantNumeric: 'tabular-nums',
    },
    lineLabel: {
      position: 'absolute',
      bottom: 2,
      fontSize: 12,
      whiteSpace: 'nowrap',
      color: theme.palette.error.main,
      fontWeight: 500,
    },
    tick: {
      position: 'absolute',
      top: 0,
      fontSize: 11,
      color: theme.palette.text.secondary,
      transform: 'translateX(-50%)',
      whiteSpace: 'nowrap',
      '&:first-child': { transform: 'none' },
    },
    legend: {
      display: 'flex',
      flexWrap: 'wrap',
      gap: theme.spacing(2),
      marginTop: theme.spacing(1),
      fontSize: 12,
      color: theme.palette.text.secondary,
    },
    swatch: {
      display: 'inline-block',
      width: 18,
      height: 10,
      marginRight: 4,
      verticalAlign: 'middle',
      borderRadius: 2,
    },
  };
});

const pct = (ms: number, scale: number) =>
  `${Math.min(100, Math.max(0, (ms / scale) * 100))}%`;

/** The value text at a bar's end: right of it, or left of the end when near the right edge. */
const ValueLabel = ({
  atMs,
  scaleMs,
  children,
}: {
  atMs: number;
  scaleMs: number;
  children: ReactNode;
}) => {
  const classes = useStyles();
  const share = atMs / scaleMs;
  return (
    <span
      className={classes.value}
      style={
        share > 0.7
          ? { right: `calc(${100 - share * 100}% + 6px)` }
          : { left: `calc(${share * 100}% + 6px)` }
      }
    >
      {children}
    </span>
  );
};

const Header = ({
  text,
  lineMs,
  scaleMs,
}: {
  text: string;
  lineMs?: number;
  scaleMs: number;
}) => {
  const classes = useStyles();
  return (
    <div className={classes.row} style={{ minHeight: 24, borderBottom: 0 }}>
      <div />
      <div className={classes.track}>
        {lineMs !== undefined && (
          <>
            <span
              className={classes.line}
              style={{ left: pct(lineMs, scaleMs) }}
            />
            <span
              className={classes.lineLabel}
              style={
                lineMs / scaleMs > 0.6
                  ? { right: `calc(${100 - (lineMs / scaleMs) * 100}% + 6px)` }
                  : { left: `calc(${(lineMs / scaleMs) * 100}% + 6px)` }
              }
            >
              {text}
            </span>
          </>
        )}
      </div>
    </div>
  );
};

const Axis = ({ ticks, scaleMs }: { ticks: number[]; scaleMs: number }) => {
  const classes = useStyles();
  return (
    <div className={classes.row} style={{ minHeight: 20, borderBottom: 0 }}>
      <div />
      <div className={classes.track} aria-hidden>
        {ticks.map(t => (
          <span
            key={t}
            className={classes.tick}
            style={
              t === scaleMs
                ? { right: 0, transform: 'none' }
                : { left: pct(t, scaleMs) }
            }
          >
            {formatMs(t)}
          </span>
        ))}
      </div>
    </div>
  );
};

function hopFacts(hop: LatencyHop): string {
  const parts: string[] = [];
  if (hop.latency) {
    const p = `p${hop.latency.percentile}`;
    parts.push(
      hop.latency.basis === 'derived'
        ? `≈ ${formatMs(hop.latency.ms)} (its calls)`
        : `${p} = ${formatMs(hop.latency.ms)}${
            hop.latency.basis === 'target' ? ' (target)' : ''
          }`,
    );
  } else {
    parts.push('no latency declared');
  }
  if (hop.tail)
    parts.push(`p${hop.tail.percentile} = ${formatMs(hop.tail.ms)}`);
  if (hop.timeoutMs !== undefined)
    parts.push(`timeout ${formatMs(hop.timeoutMs)}`);
  if (hop.attempts > 1) parts.push(`× ${hop.attempts} attempts`);
  if (hop.requests > hop.attempts)
    parts.push(`${hop.requests} requests per call`);
  return parts.join(' · ');
}

const HopRow = ({
  hop,
  model,
}: {
  hop: LatencyHop;
  model: LatencyWaterfallModel;
}) => {
  const classes = useStyles();
  const { scaleMs } = model;
  const barClass = [
    classes.bar,
    hop.latency?.basis === 'derived' ? classes.barDerived : '',
    hop.critical ? classes.barCritical : '',
    !hop.critical && hop.overBudget ? classes.barOver : '',
  ].join(' ');
  const over =
    model.budget && hop.latency && hop.critical && hop.endMs > model.budget.ms
      ? ` · ${Math.round((hop.endMs / model.budget.ms) * 10) / 10}× the budget`
      : '';
  return (
    <div
      className={`${classes.row} ${hop.critical ? classes.critical : ''}`}
      data-testid="waterfall-hop"
      data-critical={hop.critical ? 'true' : undefined}
    >
      <div className={classes.label} style={{ paddingLeft: hop.depth * 14 }}>
        <div className={classes.name}>
          {hop.depth > 0 ? '↳ ' : ''}
          {refName(hop.ref)}.{hop.subject}
          {hop.critical ? ' — critical hop' : ''}
        </div>
        <div className={classes.facts}>{hopFacts(hop)}</div>
      </div>
      <div className={classes.track}>
        {hop.retryWorstMs !== undefined && (
          <span
            className={classes.retries}
            title={`${hop.attempts} attempts: up to ${formatMs(
              hop.retryWorstMs,
            )}`}
            style={{
              left: pct(hop.startMs, scaleMs),
              width: pct(
                Math.min(hop.retryWorstMs, scaleMs - hop.startMs),
                scaleMs,
              ),
            }}
          />
        )}
        {hop.latency && (
          <span
            className={barClass}
            style={{
              left: pct(hop.startMs, scaleMs),
              width: pct(hop.latency.ms, scaleMs),
            }}
          />
        )}
        {hop.tail && hop.tail.ms > (hop.latency?.ms ?? 0) && (
          <span
            className={classes.whisker}
            title={`p${hop.tail.percentile} = ${formatMs(hop.tail.ms)}`}
            style={{
              left: pct(hop.endMs, scaleMs),
              width: pct(hop.startMs + hop.tail.ms - hop.endMs, scaleMs),
            }}
          />
        )}
        {hop.timeoutMs !== undefined && (
          <span
            className={classes.timeout}
            title={`timeout ${formatMs(hop.timeoutMs)}`}
            style={{ left: pct(hop.startMs + hop.timeoutMs, scaleMs) }}
          />
        )}
        {model.budget && (
          <span
            className={classes.line}
            style={{ left: pct(model.budget.ms, scaleMs) }}
          />
        )}
        {hop.latency && (
          <ValueLabel atMs={hop.endMs} scaleMs={scaleMs}>
            {formatMs(hop.latency.ms)}
            {over}
            {hop.retryWorstMs !== undefined
              ? ` · retries: up to ${formatMs(hop.retryWorstMs)}`
              : ''}
          </ValueLabel>
        )}
      </div>
    </div>
  );
};

const Legend = ({ items }: { items: Array<[ReactNode, string]> }) => {
  const classes = useStyles();
  return (
    <div className={classes.legend}>
      {items.map(([mark, text]) => (
        <span key={text}>
          {mark}
          {text}
        </span>
      ))}
    </div>
  );
};

const WaterfallLegend = ({ percentile }: { percentile: number }) => {
  const classes = useStyles();
  const theme = useTheme();
  const swatch = (style: CSSProperties) => (
    <span className={classes.swatch} style={style} />
  );
  return (
    <Legend
      items={[
        [
          swatch({ background: theme.palette.primary.main }),
          `declared p${percentile}`,
        ],
        [swatch({ background: theme.palette.error.main }), 'critical hop'],
        [swatch({ background: theme.palette.warning.main }), 'past the budget'],
        [
          swatch({ height: 0, borderTop: '2px solid currentColor' }),
          'tail (p99)',
        ],
        [
          swatch({
            width: 0,
            height: 14,
            borderLeft: '3px solid currentColor',
          }),
          'timeout',
        ],
        [
          swatch({
            background: `repeating-linear-gradient(135deg, ${alpha(
              theme.palette.warning.main,
              0.35,
            )} 0 4px, transparent 4px 8px)`,
          }),
          'retries, worst case',
        ],
        [
          swatch({
            width: 0,
            height: 14,
            borderLeft: `2px dashed ${theme.palette.error.main}`,
          }),
          'budget',
        ],
      ]}
    />
  );
};

/**
 * A latency waterfall: one bar per hop of a call chain at the budget's percentile (p99
 * whisker, the caller's timeout, retries' worst case hatched), the consumer's budget as a
 * dashed line, the critical hop highlighted. Computed by {@link latencyWaterfall}.
 * @public
 */
export const LatencyWaterfall = ({
  model,
}: {
  model: LatencyWaterfallModel;
}) => {
  const classes = useStyles();
  const critical = model.hops.find(h => h.critical);
  let lineText: string | undefined;
  if (model.budget) {
    lineText =
      model.budget.level === 'promise'
        ? `${refName(model.consumer)} promises ${model.budget.raw}`
        : `${refName(model.consumer)}'s budget ${model.budget.raw}`;
  }
  const summary =
    critical && critical.latency
      ? `${refName(critical.ref)}.${critical.subject}: p${
          critical.latency.percentile
        } ${critical.latency.exact ? '=' : '≥'} ${formatMs(
          critical.latency.ms,
        )}${model.budget ? ` against ${lineText}` : ''}`
      : `No latency declared along ${refName(model.provider)}.${model.subject}`;
  return (
    <figure
      className={classes.figure}
      data-testid="latency-waterfall"
      aria-label={`Latency waterfall of ${refName(model.consumer)} → ${refName(
        model.provider,
      )}.${model.subject}`}
    >
      <Typography variant="body2" component="figcaption" gutterBottom>
        {summary}
      </Typography>
      <Header
        text={lineText ?? ''}
        lineMs={model.budget?.ms}
        scaleMs={model.scaleMs}
      />
      {model.hops.map((hop, i) => (
        <HopRow key={i} hop={hop} model={model} />
      ))}
      <Axis ticks={model.ticks} scaleMs={model.scaleMs} />
      {model.truncated && (
        <Typography variant="caption" color="textSecondary">
          Deeper calls left out.
        </Typography>
      )}
      <WaterfallLegend percentile={model.percentile} />
    </figure>
  );
};

/**
 * A freshness waterfall: the datasets a need reads, upstream first, each with the staleness it
 * promises (typical range solid, worst case lighter), against the consumer's need.
 * @public
 */
export const FreshnessWaterfall = ({
  model,
}: {
  model: FreshnessWaterfallModel;
}) => {
  const classes = useStyles();
  const theme = useTheme();
  const { scaleMs } = model;
  const critical = model.hops.find(h => h.critical);
  return (
    <figure
      className={classes.figure}
      data-testid="freshness-waterfall"
      aria-label={`Freshness waterfall of ${refName(
        model.consumer,
      )}'s need of ${model.dataset}`}
    >
      <Typography variant="body2" component="figcaption" gutterBottom>
        {critical
          ? `${refName(critical.ref)}.${critical.dataset}: up to ${formatMs(
              critical.maxMs ?? critical.typicalMaxMs ?? 0,
            )} old against ${refName(model.consumer)}'s need ${model.needRaw}`
          : `${refName(model.consumer)} needs ${model.dataset} ${
              model.needRaw
            }`}
      </Typography>
      <Header
        text={`${refName(model.consumer)} needs ${model.needRaw}`}
        lineMs={model.needMs}
        scaleMs={scaleMs}
      />
      {model.hops.map((hop, i) => {
        const worst = hop.maxMs ?? hop.typicalMaxMs;
        const facts = [
          hop.raw ?? 'no freshness declared',
          hop.addsMs !== undefined && hop.fresherThanSource
            ? `promises ${formatMs(-hop.addsMs)} fresher than its source`
            : undefined,
          hop.addsMs !== undefined && !hop.fresherThanSource
            ? `adds ${formatMs(hop.addsMs)}`
            : undefined,
        ].filter(Boolean);
        const cls = [
          classes.bar,
          hop.critical ? classes.barCritical : '',
          !hop.critical && hop.overNeed ? classes.barOver : '',
        ].join(' ');
        return (
          <div
            key={i}
            className={`${classes.row} ${hop.critical ? classes.critical : ''}`}
            data-testid="waterfall-hop"
          >
            <div
              className={classes.label}
              style={{ paddingLeft: (model.hops.length - 1 - hop.depth) * 14 }}
            >
              <div className={classes.name}>
                {hop.depth < model.hops.length - 1 ? '' : '→ '}
                {refName(hop.ref)}.{hop.dataset}
                {hop.critical ? ' — critical hop' : ''}
              </div>
              <div className={classes.facts}>{facts.join(' · ')}</div>
            </div>
            <div className={classes.track}>
              {worst !== undefined && (
                <span
                  className={`${cls} ${
                    hop.typicalMaxMs !== undefined ? classes.barTypical : ''
                  }`}
                  style={{ left: 0, width: pct(worst, scaleMs) }}
                />
              )}
              {hop.typicalMaxMs !== undefined && (
                <span
                  className={cls}
                  style={{
                    left: pct(hop.typicalMinMs ?? 0, scaleMs),
                    width: pct(
                      hop.typicalMaxMs - (hop.typicalMinMs ?? 0),
                      scaleMs,
                    ),
                  }}
                />
              )}
              <span
                className={classes.line}
                style={{ left: pct(model.needMs, scaleMs) }}
              />
              {worst !== undefined && (
                <ValueLabel atMs={worst} scaleMs={scaleMs}>
                  {formatMs(worst)} worst
                </ValueLabel>
              )}
            </div>
          </div>
        );
      })}
      <Axis ticks={model.ticks} scaleMs={scaleMs} />
      <Box>
        <Legend
          items={[
            [
              <span
                className={classes.swatch}
                style={{ background: theme.palette.error.main }}
              />,
              'typical staleness',
            ],
            [
              <span
                className={classes.swatch}
                style={{ background: theme.palette.error.main, opacity: 0.55 }}
              />,
              'worst case',
            ],
            [
              <span
                className={classes.swatch}
                style={{
                  width: 0,
                  height: 14,
                  borderLeft: `2px dashed ${theme.palette.error.main}`,
                }}
              />,
              'need',
            ],
          ]}
        />
      </Box>
    </figure>
  );
};
