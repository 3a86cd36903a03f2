/*
 * `contracts discover`: reads a service's code and shipped configuration and proposes its
 * contract; with `--against`, compares it with the declared contracts (rule `contract-drift`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  buildReport,
  type ContractsReport,
  DISCOVER_REPORT_KIND,
  DISCOVER_REPORT_VERSION,
  formatText,
  isDiscoverReport,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import type { CliIo } from '../context';
import { loadEntities, useColor } from '../context';
import { runAnalysis } from '../analysis';
import { checkExitCode } from '../analysis';
import { UsageError } from '../errors';
import type { FailOn } from '../options';
import { loadOptionFiles } from '../options';
import type { DiscoveredFact, SourceFile } from './core';
import { draftContract } from './draft';
import { findFiles, type FileLanguage, type FoundFile } from './files';
import { extractConfig } from './config';
import { discoveredSarif } from './sarif';
import { extractTypeScript } from './typescript';
import {
  extractTree,
  type LanguageAdapter,
  type TreeLanguage,
} from './treesitter';
import { python } from './python';
import { go } from './go';
import { java, kotlin } from './jvm';
import { csharp } from './csharp';

/** Options of `contracts discover`. */
export interface DiscoverOptions {
  service?: string;
  format: 'yaml' | 'json' | 'sarif';
  against?: string;
  failOn: FailOn;
  config?: string;
}

/** Words in a file that make it worth parsing; a file with none of them has no fact to find. */
const HINT =
  /timeout|deadline|retr|attempt|backoff|uuid|guid|randomuuid|nanoid|ulid|idempoten|request[-_]?id|replica|readonly|read_only|read-only|reader|secondary|resilien|polly|tenacity|\bwait_for\b|cancelafter|TimeSpan|Duration|ON CONFLICT/i;

/** Reads the files and extracts every fact, in file order. */
export function discoverFacts(files: FoundFile[]): DiscoveredFact[] {
  const byLanguage = new Map<FileLanguage, SourceFile[]>();
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f.abs, 'utf8');
    } catch {
      continue;
    }
    if (!HINT.test(text) && f.language !== 'typescript') continue;
    // a report this command wrote earlier, committed beside the contracts, is no configuration
    if (f.language === 'config' && isDiscoverReport(f.rel, text)) continue;
    const list = byLanguage.get(f.language);
    const source = { path: f.rel, text };
    if (list) list.push(source);
    else byLanguage.set(f.language, [source]);
  }
  const facts: DiscoveredFact[] = [];
  for (const [language, sources] of byLanguage) {
    facts.push(...extract(language, sources));
  }
  followConfigKeys(facts);
  return facts.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.kind.localeCompare(b.kind),
  );
}

const ADAPTERS: Record<TreeLanguage, LanguageAdapter> = {
  python,
  go,
  java,
  kotlin,
  csharp,
};

function extract(
  language: FileLanguage,
  sources: SourceFile[],
): DiscoveredFact[] {
  if (language === 'typescript') return extractTypeScript(sources);
  if (language === 'config') return extractConfig(sources);
  return extractTree(ADAPTERS[language], sources);
}

/** `RISK_TIMEOUT_MS`, `risk.timeout-ms`, `risk_timeoutMs` compare equal. */
function normalKey(key: string): string {
  return key.toLowerCase().replace(/[-_.]/g, '');
}

/**
 * A value the code reads from a configuration key (`process.env.RISK_TIMEOUT_MS`) is resolved
 * when the configuration the service ships sets that key, to one value wherever it is set
 * (a Kubernetes env entry, compose environment, appsettings, application.yaml).
 */
export function followConfigKeys(facts: DiscoveredFact[]): void {
  const set = new Map<string, DiscoveredFact[]>();
  for (const f of facts) {
    if (!f.configKey || (f.ms === undefined && f.attempts === undefined))
      continue;
    const key = normalKey(f.configKey);
    set.set(key, [...(set.get(key) ?? []), f]);
  }
  if (!set.size) return;
  for (const f of facts) {
    const read =
      f.unresolved && /config key ([A-Za-z0-9_.-]+)/.exec(f.unresolved)?.[1];
    if (!read) continue;
    f.configKey = read;
    const sources = (set.get(normalKey(read)) ?? []).filter(
      c => c.kind === f.kind,
    );
    if (!sources.length) continue;
    const values = new Set(sources.map(c => c.ms ?? totalOf(c)));
    if (values.size !== 1) continue;
    const c = sources[0];
    if (f.kind === 'timeout' && c.ms !== undefined) f.ms = c.ms;
    else if (f.kind === 'retry' && c.attempts !== undefined) {
      f.attempts = c.attempts;
      f.counts = c.counts;
    } else continue;
    f.resolved = `config key ${read} = ${c.written.replace(/^.*?:\s*/, '')} (${
      c.file
    }:${c.line})`;
    delete f.unresolved;
  }
}

function totalOf(f: DiscoveredFact): number | undefined {
  if (f.attempts === undefined) return undefined;
  return f.counts === 'retries' ? f.attempts + 1 : f.attempts;
}

/** The service's name: --service, else the catalog-info.yaml of the first PATH, else its folder name. */
export function serviceName(
  paths: string[],
  cwd: string,
  given?: string,
): string {
  if (given) return given;
  const first = path.resolve(cwd, paths[0] ?? '.');
  const dir =
    fs.existsSync(first) && fs.statSync(first).isDirectory()
      ? first
      : path.dirname(first);
  for (const name of ['catalog-info.yaml', 'catalog-info.yml']) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) continue;
    try {
      for (const doc of fs.readFileSync(file, 'utf8').split(/^---\s*$/m)) {
        const entity = parseYaml(doc) as any;
        if (
          entity?.kind === 'Component' &&
          typeof entity?.metadata?.name === 'string'
        )
          return entity.metadata.name;
      }
    } catch {
      // an unreadable catalog file: the folder's name
    }
  }
  return path.basename(dir);
}

/** Runs `contracts discover`; resolves to the exit code. */
export async function runDiscover(
  paths: string[],
  opts: DiscoverOptions,
  io: CliIo,
): Promise<number> {
  if (!paths.length)
    throw new UsageError(
      'nothing to discover: give the folders of a service (e.g. `contracts discover examples/checkout`)',
    );
  const started = performance.now();
  const root = commonRoot(paths, io.cwd);
  const files = findFiles(
    paths.map(p => path.resolve(io.cwd, p)),
    root,
  );
  const facts = discoverFacts(files);
  const service = serviceName(paths, io.cwd, opts.service);
  const scanned = paths.map(
    p => path.relative(io.cwd, path.resolve(io.cwd, p)) || '.',
  );
  const draft = draftContract(facts, { service, scanned });
  if (io.env.CONTRACTS_CLI_TIMINGS === '1') {
    io.stderr(
      `timings: ${files.length} files, ${facts.length} facts, ${Math.round(
        performance.now() - started,
      )} ms\n`,
    );
  }
  // the draft must read as a contract with no problem: say so when it does not
  const check = parseEntityContract(`component:default/${service}`, [
    { file: 'draft', text: draft },
  ]);
  for (const p of check.problems)
    io.stderr(
      `contracts: the draft has a problem at line ${p.line}: ${p.message}\n`,
    );

  let drift: ContractsReport | undefined;
  if (opts.against) drift = await against(opts, io, service, facts);

  if (opts.format === 'json') {
    io.stdout(
      `${JSON.stringify(
        {
          // the header the catalog module and `contracts check` recognise a committed report by
          kind: DISCOVER_REPORT_KIND,
          version: DISCOVER_REPORT_VERSION,
          service,
          root: path.relative(io.cwd, root) || '.',
          facts,
          draft,
          ...(drift ? { drift } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else if (opts.format === 'sarif') {
    io.stdout(
      `${JSON.stringify(
        discoveredSarif(facts, drift, root, io.cwd),
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout(draft);
    if (drift) {
      io.stdout(
        `\n# Compared with the declared contracts in ${opts.against}:\n`,
      );
      io.stdout(
        drift.findings.length
          ? formatText(drift, { color: useColor(io) })
          : 'No drift: the code agrees with the declared contract.\n',
      );
    }
  }
  return drift ? checkExitCode({ ...drift, problems: [] }, opts.failOn) : 0;
}

/** The drift findings of the service against the catalog at `opts.against`. */
async function against(
  opts: DiscoverOptions,
  io: CliIo,
  service: string,
  facts: DiscoveredFact[],
): Promise<ContractsReport> {
  const { config } = loadOptionFiles({ config: opts.config }, io.cwd);
  const catalog = await loadEntities([opts.against!], {}, io);
  const wanted = service.includes(':') ? service.toLowerCase() : undefined;
  const entry =
    catalog.entries.find(
      e =>
        e.ref.toLowerCase() ===
        (wanted ?? `component:default/${service.toLowerCase()}`),
    ) ??
    catalog.entries.find(e =>
      e.ref.toLowerCase().endsWith(`/${service.toLowerCase()}`),
    );
  if (!entry)
    throw new UsageError(
      `--against ${opts.against}: no entity named ${service} (give --service NAME)`,
    );
  const analysis = runAnalysis(catalog, {
    config,
    discovered: new Map([[entry.ref, facts]]),
    now: io.now,
  });
  const findings = analysis.report.findings.filter(
    f => f.rule === 'contract-drift' && f.consumer === entry.ref,
  );
  return buildReport({
    findings,
    problems: analysis.report.problems.filter(p => p.entity === entry.ref),
    entities: analysis.report.summary.entities,
    contracts: analysis.report.summary.contracts,
    edges: analysis.report.summary.edges,
  });
}

/** The folder the PATHs have in common: fact paths are relative to it. */
function commonRoot(paths: string[], cwd: string): string {
  const abs = paths.map(p => {
    const a = path.resolve(cwd, p);
    return fs.existsSync(a) && fs.statSync(a).isFile() ? path.dirname(a) : a;
  });
  const within = (root: string) =>
    abs.every(a => a === root || a.startsWith(root + path.sep));
  let root = abs[0];
  while (!within(root)) root = path.dirname(root);
  return root;
}
