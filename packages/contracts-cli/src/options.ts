/*
 * The files given by options: --config (engine configuration) and --decisions (the portal's
 * decision export). Malformed files are usage errors, reported on one line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  type DecisionRecord,
  defaultRules,
  type EngineConfig,
  nearest,
  reviewDeadline,
  type Severity,
} from '@backstage-contracts/plugin-contracts-common';
import { fsReason, UsageError } from './errors';
import { loadAdrDecisions } from './adr';

const SEVERITIES: Severity[] = ['error', 'warning', 'tradeoff', 'info'];

/** `--fail-on` values, from the strictest threshold. */
export type FailOn = Severity | 'never';
export const FAIL_ON_VALUES = [
  'error',
  'warning',
  'tradeoff',
  'never',
] as const;

function readOptionFile(option: string, file: string, cwd: string): string {
  try {
    return fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(
      `${option} ${file}: cannot read it: ${fsReason(error)}`,
    );
  }
}

/** A mapping (not null, not a list). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as an error message names it: `a list`, `number \`3\``. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} \`${String(v)}\``;
}

function unknownKey(key: string, allowed: string[], what: string): string {
  const guess = nearest(key, allowed);
  return guess
    ? `unknown ${what} \`${key}\`: did you mean \`${guess}\`?`
    : `unknown ${what} \`${key}\` (expected one of ${allowed.join(', ')})`;
}

/**
 * Validates an engine configuration: `{ rules: { <id>: { severity, enabled } },
 * retryAmplificationBound, deciders: { <id>: [group refs] } }`. Throws a one-line message.
 */
export function validateEngineConfig(
  value: unknown,
  ruleIds: string[] = defaultRules.map(r => r.id),
): EngineConfig {
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new Error(`expected a mapping, got ${describeValue(value)}`);
  }
  const config: EngineConfig = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'rules') {
      if (!isObject(v))
        throw new Error(`rules: expected a mapping, got ${describeValue(v)}`);
      config.rules = {};
      for (const [id, rule] of Object.entries(v)) {
        if (!ruleIds.includes(id))
          throw new Error(`rules: ${unknownKey(id, ruleIds, 'rule')}`);
        if (!isObject(rule)) {
          throw new Error(
            `rules.${id}: expected a mapping with severity and/or enabled, got ${describeValue(
              rule,
            )}`,
          );
        }
        const out: { severity?: Severity; enabled?: boolean } = {};
        for (const [k, x] of Object.entries(rule)) {
          if (k === 'severity') {
            if (!SEVERITIES.includes(x as Severity)) {
              throw new Error(
                `rules.${id}.severity: expected one of ${SEVERITIES.join(
                  ', ',
                )}, got ${describeValue(x)}`,
              );
            }
            out.severity = x as Severity;
          } else if (k === 'enabled') {
            if (typeof x !== 'boolean') {
              throw new Error(
                `rules.${id}.enabled: expected true or false, got ${describeValue(
                  x,
                )}`,
              );
            }
            out.enabled = x;
          } else {
            throw new Error(
              `rules.${id}: ${unknownKey(k, ['severity', 'enabled'], 'key')}`,
            );
          }
        }
        config.rules[id] = out;
      }
    } else if (key === 'retryAmplificationBound') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 1) {
        throw new Error(
          `retryAmplificationBound: expected a number of attempts ≥ 1, got ${describeValue(
            v,
          )}`,
        );
      }
      config.retryAmplificationBound = v;
    } else if (key === 'deciders') {
      if (!isObject(v))
        throw new Error(
          `deciders: expected a mapping, got ${describeValue(v)}`,
        );
      config.deciders = {};
      for (const [id, groups] of Object.entries(v)) {
        if (!ruleIds.includes(id))
          throw new Error(`deciders: ${unknownKey(id, ruleIds, 'rule')}`);
        if (
          !Array.isArray(groups) ||
          !groups.every(g => typeof g === 'string')
        ) {
          throw new Error(
            `deciders.${id}: expected a list of entity refs, got ${describeValue(
              groups,
            )}`,
          );
        }
        config.deciders[id] = groups.map(g => {
          try {
            return stringifyEntityRef(
              parseEntityRef(g, {
                defaultKind: 'group',
                defaultNamespace: 'default',
              }),
            );
          } catch {
            throw new Error(
              `deciders.${id}: \`${g}\` is not an entity ref such as group:default/security-team`,
            );
          }
        });
      }
    } else {
      throw new Error(
        unknownKey(
          key,
          ['rules', 'retryAmplificationBound', 'deciders'],
          'key',
        ),
      );
    }
  }
  return config;
}

/** Keys of the backend's `contracts` configuration that are not the engine's. */
const BACKEND_ONLY_KEYS = ['schedule', 'refreshIntervalSeconds'];

/**
 * Reads `--config FILE` (YAML or JSON): a contracts configuration, or a Backstage
 * `app-config.yaml`, whose `contracts` section is used (the backend's own keys skipped), so that
 * the CLI and the portal check with the same severities, bounds and deciders.
 */
export function loadEngineConfig(file: string, cwd: string): EngineConfig {
  const text = readOptionFile('--config', file, cwd);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `--config ${file}: not valid YAML or JSON: ${
        (error as Error).message.split('\n')[0]
      }`,
    );
  }
  if (
    isObject(value) &&
    ('contracts' in value || 'app' in value || 'backend' in value)
  ) {
    const section = (value as Record<string, unknown>).contracts;
    value = isObject(section)
      ? Object.fromEntries(
          Object.entries(section).filter(
            ([k]) => !BACKEND_ONLY_KEYS.includes(k),
          ),
        )
      : section;
  }
  try {
    return validateEngineConfig(value);
  } catch (error) {
    throw new UsageError(`--config ${file}: ${(error as Error).message}`);
  }
}

/** The files `check` and `diff` read when no `--config` is given, first found wins. */
export const DEFAULT_CONFIG_FILES = [
  'contracts.config.yaml',
  'app-config.yaml',
];

/**
 * The engine configuration when no `--config` is given: `contracts.config.yaml` in the current
 * directory, else the `contracts` section of `app-config.yaml` there, else none.
 */
export function discoverEngineConfig(cwd: string): EngineConfig | undefined {
  for (const name of DEFAULT_CONFIG_FILES) {
    if (fs.existsSync(path.resolve(cwd, name))) {
      return loadEngineConfig(name, cwd);
    }
  }
  return undefined;
}

/**
 * The files `--config` and `--decisions` name (or the discovered configuration), read once for
 * a `check` or `diff` run.
 */
export function loadOptionFiles(
  opts: { config?: string; decisions?: string },
  cwd: string,
): { config?: EngineConfig; decisions?: DecisionRecord[] } {
  return {
    config: opts.config
      ? loadEngineConfig(opts.config, cwd)
      : discoverEngineConfig(cwd),
    decisions: opts.decisions ? loadDecisions(opts.decisions, cwd) : undefined,
  };
}

/** Validates the decision export of the backend: `{ version: 1, decisions: [...] }`. */
export function validateDecisions(value: unknown): DecisionRecord[] {
  if (!isObject(value))
    throw new Error(
      `expected {"version": 1, "decisions": [...]}, got ${describeValue(
        value,
      )}`,
    );
  if (value.version !== 1)
    throw new Error(`version: expected 1, got ${describeValue(value.version)}`);
  if (!Array.isArray(value.decisions))
    throw new Error(
      `decisions: expected a list, got ${describeValue(value.decisions)}`,
    );
  return value.decisions.map((d: unknown, i: number) => {
    const at = `decisions[${i}]`;
    if (!isObject(d))
      throw new Error(`${at}: expected a mapping, got ${describeValue(d)}`);
    for (const key of ['findingId', 'evidenceHash', 'status'] as const) {
      if (typeof d[key] !== 'string' || !d[key]) {
        throw new Error(
          `${at}.${key}: expected a string, got ${describeValue(d[key])}`,
        );
      }
    }
    if (d.reviewBy !== undefined && d.reviewBy !== null) {
      if (
        typeof d.reviewBy !== 'string' ||
        reviewDeadline(d.reviewBy) === undefined
      ) {
        throw new Error(
          `${at}.reviewBy: expected an ISO date such as 2026-12-31, got ${describeValue(
            d.reviewBy,
          )}`,
        );
      }
    }
    return {
      id: typeof d.id === 'string' ? d.id : String(d.id ?? i),
      findingId: d.findingId as string,
      evidenceHash: d.evidenceHash as string,
      status: d.status as string,
      ...(typeof d.reviewBy === 'string' ? { reviewBy: d.reviewBy } : {}),
      ...(typeof d.title === 'string' ? { title: d.title } : {}),
      ...(typeof d.decision === 'string' ? { decision: d.decision } : {}),
    };
  });
}

/**
 * Reads `--decisions FILE` (the portal's JSON export) or `--decisions DIR` (MADR files the portal
 * exported, `NNNN-title.md`).
 */
export function loadDecisions(file: string, cwd: string): DecisionRecord[] {
  const target = path.resolve(cwd, file);
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    return loadAdrDecisions(target, file);
  }
  const text = readOptionFile('--decisions', file, cwd);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--decisions ${file}: not valid JSON: ${(error as Error).message}`,
    );
  }
  try {
    return validateDecisions(value);
  } catch (error) {
    throw new UsageError(`--decisions ${file}: ${(error as Error).message}`);
  }
}
