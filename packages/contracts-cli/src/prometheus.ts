/*
 * `contracts check --prometheus URL`: the runtime verification of the backend in CI. The bound
 * promises (`latency.metric`, `freshness.metric`) are measured with the same plan and client
 * as the backend's task (contracts-common runtime/), the observations go into the contracts
 * beside the declared values (rules `promise-drift`, `need-at-risk`), and a measurement that
 * fails is a contract problem located at its binding: a check never passes on a query that
 * could not run.
 */
import {
  type ContractProblem,
  DEFAULT_RUNTIME_SETTINGS,
  type EntityContract,
  formatWindow,
  measureAll,
  type Observation,
  observationKey,
  parseDuration,
  parseEntityContract,
  planMeasurements,
  type RuntimeSettings,
} from '@backstage-contracts/plugin-contracts-common';
import { type Command, Option } from 'commander';
import type { LoadedCatalog } from './catalog/types';
import type { CliIo } from './context';
import { UsageError } from './errors';
import { ONE_SHOT, type ParsedEntries } from './parallel';

/** The `--prometheus*` options of `check`. */
export interface PrometheusOptions {
  prometheus?: string[];
  prometheusHeader?: string[];
  prometheusWindow?: string;
  prometheusStep?: string;
  prometheusTimeout?: string;
  prometheusTolerance?: string;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  value,
];

/** Adds the `--prometheus*` options to a command. */
export function addPrometheusOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--prometheus <url>',
        'measure the promises contracts bind to a metric (latency.metric, freshness.metric) in this Prometheus; findings promise-drift and need-at-risk (repeat for replicas, tried in order)',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--prometheus-header <header>',
        "a header for every query, e.g. 'Authorization: Bearer …' (repeatable)",
      ).argParser(collect),
    )
    .option(
      '--prometheus-window <duration>',
      'the window a value is measured over (default 7d)',
    )
    .option(
      '--prometheus-step <duration>',
      'the step of the window (rates within it; default 5m)',
    )
    .option(
      '--prometheus-timeout <duration>',
      'the longest one query may take (default 10s)',
    )
    .option(
      '--prometheus-tolerance <share>',
      'how much worse than declared a measured value may be before promise-drift (default 0.1)',
    );
}

/** `7d`, `12h`, `5m`, `30s`, `500ms`. */
function durationMs(
  option: string,
  text: string | undefined,
  fallback: number,
) {
  if (text === undefined) return fallback;
  const days = /^\s*(\d+(?:\.\d+)?)\s*d\s*$/.exec(text);
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(text);
  if (ms === undefined || !(ms > 0)) {
    throw new UsageError(
      `${option}: expected a duration such as 7d, 12h, 5m or 30s, got ${JSON.stringify(
        text,
      )}`,
    );
  }
  return ms;
}

/** What `--prometheus` measured: observations by entity ref, and the measurements that failed. */
export interface CliObservations {
  observed: Map<string, Observation[]>;
  problems: ContractProblem[];
  tolerance?: number;
}

/**
 * Measures the bound promises of the catalog's contracts when `--prometheus` is given; prints a
 * line on stderr per run (how many measurements, how many failed).
 */
export async function observeCatalog(
  catalog: LoadedCatalog,
  parsed: ParsedEntries | undefined,
  opts: PrometheusOptions,
  io: Pick<CliIo, 'stderr' | 'now'>,
): Promise<CliObservations | undefined> {
  const urls = opts.prometheus ?? [];
  if (urls.length === 0) return undefined;
  for (const url of urls) {
    if (!URL.canParse(url)) {
      throw new UsageError(
        `--prometheus: ${JSON.stringify(
          url,
        )} is not a URL (e.g. http://prometheus:9090)`,
      );
    }
  }
  const headers: Record<string, string> = {};
  for (const h of opts.prometheusHeader ?? []) {
    const m = /^\s*([^:\s]+)\s*:\s*(.*)$/.exec(h);
    if (!m) {
      throw new UsageError(
        `--prometheus-header: expected 'Name: value', got ${JSON.stringify(h)}`,
      );
    }
    headers[m[1]] = m[2];
  }
  let tolerance: number | undefined;
  if (opts.prometheusTolerance !== undefined) {
    tolerance = Number(opts.prometheusTolerance);
    if (!(tolerance >= 0)) {
      throw new UsageError(
        `--prometheus-tolerance: expected a share such as 0.1 (10 %), got ${JSON.stringify(
          opts.prometheusTolerance,
        )}`,
      );
    }
  }
  const settings: RuntimeSettings = {
    ...DEFAULT_RUNTIME_SETTINGS,
    windowMs: durationMs(
      '--prometheus-window',
      opts.prometheusWindow,
      DEFAULT_RUNTIME_SETTINGS.windowMs,
    ),
    stepMs: durationMs(
      '--prometheus-step',
      opts.prometheusStep,
      DEFAULT_RUNTIME_SETTINGS.stepMs,
    ),
    tolerance: tolerance ?? DEFAULT_RUNTIME_SETTINGS.tolerance,
  };
  const timeoutMs = durationMs(
    '--prometheus-timeout',
    opts.prometheusTimeout,
    10_000,
  );
  const contracts: EntityContract[] = [];
  for (const entry of catalog.entries) {
    if (!entry.sources.length) continue;
    contracts.push(
      (
        parsed?.get(entry) ??
        parseEntityContract(entry.ref, entry.sources, ONE_SHOT)
      ).contract,
    );
  }
  const plan = planMeasurements(contracts, settings);
  const observed = await measureAll(
    plan,
    urls.map(url => ({ url, headers, timeoutMs })),
    settings,
    { now: io.now === undefined ? undefined : new Date(io.now) },
  );
  const bindingOf = new Map(
    plan.map(m => [`${m.entityRef}#${observationKey(m)}`, m.binding]),
  );
  /** `scoreTransaction p95`, `user_purchases`, `the service's availability`. */
  const measured = (o: Observation): string => {
    const subject = o.subject === '*' ? 'the service' : o.subject;
    if (o.kind === 'availability') return `${subject}'s availability`;
    return `${subject}${o.percentile !== undefined ? ` p${o.percentile}` : ''}`;
  };
  const problems: ContractProblem[] = [];
  let failed = 0;
  for (const [ref, list] of observed) {
    for (const o of list) {
      if (o.status === 'ok') continue;
      failed++;
      const loc = bindingOf.get(`${ref}#${observationKey(o)}`)?.loc;
      problems.push({
        entity: ref,
        ...(loc?.file !== undefined ? { file: loc.file } : {}),
        ...(loc?.line !== undefined ? { line: loc.line } : {}),
        ...(loc?.column !== undefined ? { column: loc.column } : {}),
        path: loc?.path ?? '',
        message: `the measurement of ${measured(o)} is ${o.status}: ${
          o.error ?? o.status
        } (query: ${o.query})`,
      });
    }
  }
  io.stderr(
    `prometheus: ${plan.length} measurement${
      plan.length === 1 ? '' : 's'
    } over ${formatWindow(settings.windowMs)} from ${urls.join(', ')}${
      failed ? `; ${failed} failed (reported as problems)` : ''
    }\n`,
  );
  return { observed, problems, tolerance };
}
