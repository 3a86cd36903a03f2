import {
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from 'commander';
import {
  formatSarif,
  formatText,
} from '@backstage-contracts/plugin-contracts-common';
import {
  type Analysis,
  checkExitCode,
  reaches,
  runAnalysis,
  sarifLocator,
} from './analysis';
import {
  type CliIo,
  type CommonOptions,
  defaultIo,
  loadEntities,
  useColor,
} from './context';
import { runDiff } from './diff';
import {
  type BaselineComparison,
  baselineExitCode,
  baselineLine,
  baselineOf,
  compareWithBaseline,
  failingUnderBaseline,
  loadBaseline,
  writeBaseline,
} from './baseline';
import { type DiscoverOptions, runDiscover } from './discover';
import { writeJson } from './jsonChunks';
import { ParallelParser } from './parallel';
import {
  addPrometheusOptions,
  observeCatalog,
  type PrometheusOptions,
} from './prometheus';
import type { LoadedCatalog } from './catalog/types';
import { UsageError } from './errors';
import { FAIL_ON_VALUES, loadOptionFiles } from './options';

const FORMATS = ['text', 'json', 'sarif'];

function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../package.json').version;
  } catch {
    return '0.0.0';
  }
}

const CHECK_HELP = `
PATHs are catalog files or folders. Folders are searched recursively for *.yaml/*.yml files
holding Backstage entities (Component, Resource, API, System, Group, User); other YAML
documents (contract files themselves) are skipped. An entity's contract is read from its
annotations, relative to the file that declares it:
  contracts.io/ref: dir:./contracts     every *.yaml in that folder, merged
  contracts.io/ref: file:./sla.yaml     one file
  contracts.io/spec: |                  an inline contract

Exit codes:
  0  nothing reaches --fail-on
  1  a finding at or above --fail-on (not accepted by a decision), or a contract problem
  2  bad usage, or a PATH / option file that cannot be read

Examples:
  $ contracts check examples/
      check the example catalog; findings in the essay's form
  $ contracts check . --format sarif > contracts.sarif
      SARIF 2.1.0 for GitHub code scanning (upload with github/codeql-action/upload-sarif)
  $ contracts check services/ --fail-on warning --config contracts.config.yaml
      stricter CI gate; contracts.config.yaml holds e.g.
        rules: { undeclared-dependency: { enabled: false }, timeout-ordering: { severity: error } }
        retryAmplificationBound: 8
  $ contracts check . --decisions decisions.json
      trade-offs accepted in the portal (its decision export) no longer fail the build
  $ contracts check . --decisions docs/decisions
      the same from ADR files the portal exported (MADR, NNNN-title.md) committed in a folder
  $ contracts baseline write contracts-baseline.json .
  $ contracts check . --baseline contracts-baseline.json
      adopt on an existing system: today's findings are frozen (by fingerprint and evidence);
      only new findings, findings whose evidence changed and new contract problems fail
  $ BACKSTAGE_TOKEN=… contracts check services/checkout --catalog-url https://backstage.example.com
      the live catalog with your changed files laid over it: what this pull request does to
      the whole graph
`;

const DIFF_HELP = `
--base and --head are each a catalog folder/file, or a git revision (branch, tag, commit).
With a git revision, the PATHs (default: .) are read as they are in that revision; without
--head, the PATHs as they are in the working tree.

Findings are matched by fingerprint: added, removed, and changed (same finding, new evidence
or severity). Text output groups them by the team owning the provider, and lists the consumers
each new finding affects (the consumer and everything that calls it).

Exit codes:
  0  the head adds nothing at or above --fail-on
  1  the head adds a finding at or above --fail-on (or a new contract problem)
  2  bad usage, or a path / revision that cannot be read

Examples:
  $ contracts diff --base origin/main examples/
      what this branch changes, compared with main
  $ contracts diff --base before/ --head after/ --format json
      two folders; JSON { version, added, removed, changed, problems }
`;

const DISCOVER_HELP = `
What it finds, each with file, line, column and the code as written:
  timeout          client timeouts of outbound HTTP, gRPC, database and broker calls, in ms
  retry            retry policies (libraries, hand-written loops): attempts, counting every
                   try or only the retries
  new-id-in-retry  a random id made inside a retry path or an error handler
  idempotency-key  an Idempotency-Key / request-id header sent or checked, a dedupe on it
  replica-read     reads routed to a replica or read-only connection
in TypeScript/JavaScript, Python, Go, Java, Kotlin and C#, and in the configuration shipped
beside them (Istio, Envoy, Kubernetes env and Helm values, appsettings.json, Spring
application.yaml). A value the code does not state statically is reported with why, never as a
number. Tests, vendored folders, generated files and build output are skipped.

Output: a draft contract (YAML, our vocabulary, each value marked \`discovered\` with where it
was found); --format json or sarif list the raw facts.

Examples:
  $ contracts discover examples/checkout
      propose checkout's contract from its code
  $ contracts discover examples/checkout --against examples/
      and compare it with the contracts the catalog declares (contract-drift findings)
  $ contracts discover services/risk --service risk --format sarif > discovered.sarif
`;

function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(FORMATS)
        .default('text'),
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding reaches this severity (never: always exit 0)',
      )
        .choices([...FAIL_ON_VALUES])
        .default('error'),
    )
    .option(
      '--config <file>',
      'engine configuration (YAML or JSON): rules.<id>.severity|enabled, retryAmplificationBound, deciders; ' +
        'an app-config.yaml works too (its contracts section). Default: ./contracts.config.yaml, else the contracts section of ./app-config.yaml',
    )
    .option(
      '--decisions <file|dir>',
      "decisions exported from the portal (its JSON export, or a folder of its MADR files NNNN-title.md); accepted trade-offs don't fail the build",
    );
}

function nonEmpty(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('must not be empty');
  return value;
}

/** Runs the CLI and resolves to its exit code. */
export async function main(
  argv: string[],
  ioOverrides: Partial<CliIo> = {},
): Promise<number> {
  const io: CliIo = { ...defaultIo(), ...ioOverrides };
  let exitCode = 0;
  const program = new Command('contracts')
    .description(
      "Check cross-service contracts (latency budgets, data freshness, idempotency, data access) before integration, in any repository's CI: the same engine as the Backstage portal.",
    )
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: text => io.stdout(text),
      writeErr: text => io.stderr(text),
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Examples:
  $ contracts check examples/
  $ contracts check . --format sarif > contracts.sarif
  $ contracts diff --base origin/main .

  $ contracts discover services/checkout --against .

Run \`contracts help check\`, \`contracts help diff\` or \`contracts help discover\` for their options and more examples.`,
    );

  addPrometheusOptions(
    addCommonOptions(
      program
        .command('check')
        .description(
          'Analyze the contracts of the entities in catalog files and folders (or a live catalog).',
        )
        .argument('[paths...]', 'catalog files or folders'),
    ),
  )
    .addOption(
      new Option(
        '--catalog-url <url>',
        'read entities from a running Backstage; PATHs given are laid over it',
      ).argParser(nonEmpty),
    )
    .addOption(
      new Option(
        '--token <token>',
        'bearer token for --catalog-url (default: $BACKSTAGE_TOKEN)',
      ).argParser(nonEmpty),
    )
    .option(
      '--baseline <file>',
      'findings frozen by `contracts baseline write`: only new findings and ones whose evidence changed fail',
    )
    .addHelpText('after', CHECK_HELP)
    .action(async (paths: string[], opts: CheckOptions) => {
      exitCode = await check(paths, opts, io);
    });

  const baseline = program
    .command('baseline')
    .description(
      'Freeze the findings of today for `contracts check --baseline` (adopting the CLI on an existing system).',
    );
  baseline
    .command('write')
    .description(
      'Write the findings and contract problems of the PATHs (or a live catalog) to FILE, by fingerprint and evidence hash.',
    )
    .argument('<file>', 'the baseline file to write (JSON; commit it)')
    .argument('[paths...]', 'catalog files or folders')
    .option('--config <file>', 'engine configuration, as for check')
    .option('--decisions <file|dir>', 'decisions, as for check')
    .addOption(
      new Option(
        '--catalog-url <url>',
        'read entities from a running Backstage; PATHs given are laid over it',
      ).argParser(nonEmpty),
    )
    .addOption(
      new Option(
        '--token <token>',
        'bearer token for --catalog-url (default: $BACKSTAGE_TOKEN)',
      ).argParser(nonEmpty),
    )
    .action(async (file: string, paths: string[], opts: CommonOptions) => {
      exitCode = await baselineWrite(file, paths, opts, io);
    });

  addCommonOptions(
    program
      .command('diff')
      .description(
        'Compare the findings of two versions of a catalog: what a change adds, removes and changes.',
      )
      .argument(
        '[paths...]',
        'catalog files or folders, for git revisions (default: .)',
      ),
  )
    .requiredOption(
      '--base <path|rev>',
      'the version before: a folder/file or a git revision',
    )
    .option(
      '--head <path|rev>',
      'the version after (default: the working tree)',
    )
    .addHelpText('after', DIFF_HELP)
    .action(
      async (
        paths: string[],
        opts: CommonOptions & { base: string; head?: string },
      ) => {
        exitCode = await runDiff(paths, opts, io);
      },
    );

  program
    .command('discover')
    .description(
      "Read a service's code and shipped configuration and propose its contract: client timeouts, retries, new ids in retries, idempotency keys, replica reads.",
    )
    .argument('[paths...]', "the service's folders or files")
    .option(
      '--service <name>',
      "the service's name (default: its catalog-info.yaml, else the folder's name)",
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['yaml', 'json', 'sarif'])
        .default('yaml'),
    )
    .option(
      '--against <catalog-path>',
      'compare with the declared contracts of this catalog (rule contract-drift)',
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'with --against: exit 1 when a drift finding reaches this severity',
      )
        .choices([...FAIL_ON_VALUES])
        .default('never'),
    )
    .option(
      '--config <file>',
      'engine configuration for --against, as for check',
    )
    .addHelpText('after', DISCOVER_HELP)
    .action(async (paths: string[], opts: DiscoverOptions) => {
      exitCode = await runDiscover(paths, opts, io);
    });

  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
      ) {
        return 0;
      }
      io.stderr(
        `contracts: ${error.message
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')}\n`,
      );
      return 2;
    }
    if (error instanceof UsageError) {
      io.stderr(`contracts: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Options of `check`. */
type CheckOptions = CommonOptions & { baseline?: string } & PrometheusOptions;

async function check(
  paths: string[],
  opts: CheckOptions,
  io: CliIo,
): Promise<number> {
  if (!paths.length && !opts.catalogUrl) {
    throw new UsageError(
      'nothing to check: give catalog files or folders (e.g. `contracts check examples/`), or --catalog-url',
    );
  }
  // CONTRACTS_CLI_TIMINGS=1: where the time went, on stderr (for `yarn bench`)
  const timings: Record<string, number> | undefined =
    io.env.CONTRACTS_CLI_TIMINGS === '1'
      ? { 'start-up': performance.now() }
      : undefined;
  const { config, decisions } = loadOptionFiles(opts, io.cwd);
  const frozen = opts.baseline
    ? loadBaseline(opts.baseline, io.cwd)
    : undefined;
  const loading = performance.now();
  // contracts are parsed in a worker thread while the files are read, when there is a core for it
  const parser = ParallelParser.create({ env: io.env });
  let catalog: LoadedCatalog;
  try {
    catalog = await loadEntities(paths, opts, io, io.cwd, entry =>
      parser?.add(entry),
    );
  } catch (error) {
    await parser?.close();
    throw error;
  }
  if (timings) timings['read catalog'] = performance.now() - loading;
  const waiting = performance.now();
  const parsed = await parser?.finish();
  if (timings && parser)
    timings['rest of parsing'] = performance.now() - waiting;
  if (
    !opts.catalogUrl &&
    catalog.entries.length === 0 &&
    catalog.problems.length === 0
  ) {
    throw new UsageError(noEntityMessage(paths));
  }
  // --prometheus: what the bound promises measure, beside what they declare
  const runtime = await observeCatalog(catalog, parsed, opts, io);
  if (runtime) catalog.problems.push(...runtime.problems);
  const analysis = runAnalysis(catalog, {
    config:
      runtime?.tolerance === undefined
        ? config
        : { ...config, promiseDriftTolerance: runtime.tolerance },
    observed: runtime?.observed,
    decisions,
    now: io.now,
    timings,
    parsed,
  });
  const baseline =
    frozen && compareWithBaseline(analysis.report, frozen, opts.baseline!);
  const code = baseline
    ? baselineExitCode(analysis.report, baseline, opts.failOn)
    : checkExitCode(analysis.report, opts.failOn);
  const rendering = performance.now();
  render(analysis, opts, io, code, baseline);
  if (timings) {
    timings.write = performance.now() - rendering;
    let running = 'built';
    if (__filename.endsWith('.ts')) running = 'sources';
    else if (__filename.endsWith('contracts.cjs')) running = 'bundle';
    io.stderr(
      `timings (${running}): ${Object.entries(timings)
        .map(([phase, ms]) => `${phase} ${Math.round(ms)} ms`)
        .join(', ')}\n`,
    );
  }
  return code;
}

/**
 * Why a check of files holding no entity is a usage error, and what to give instead: a
 * contract document is read through the entity that points at it.
 */
function noEntityMessage(paths: string[]): string {
  return `no Backstage entity in ${paths.join(
    ', ',
  )}, nothing to check: give the catalog files that define the entities (e.g. \`contracts check catalog-info.yaml\` or a folder); a contract document is read through its entity's \`contracts.io/ref\` annotation (e.g. \`dir:./contracts\`)`;
}

/** Writes the report of `check` to stdout, in its format (JSON as it is made: see writeJson). */
function render(
  analysis: Analysis,
  opts: CommonOptions,
  io: CliIo,
  code: number,
  baseline?: BaselineComparison,
): void {
  const { report } = analysis;
  const write = (text: string) => io.stdout(text);
  if (opts.format === 'json') {
    // indented for a terminal; one line for a file or a pipe (a program reads it): at 10k entities
    // and 88k findings the indented report is 132 MB and its JSON.stringify alone 3.1 s, which
    // made writing it 29 % of the run (`yarn bench:findings`)
    const indent = io.isTTY ? 2 : undefined;
    if (!baseline) {
      writeJson(report, write, indent);
      return;
    }
    // with a baseline: each finding's state, and the frozen findings no longer found
    const withState = {
      ...report,
      findings: report.findings.map(f => ({
        ...f,
        baselineState: baseline.state.get(f.id),
      })),
      baseline: { file: baseline.file, absent: baseline.absent },
    };
    writeJson(withState, write, indent);
    return;
  }
  if (opts.format === 'sarif') {
    const log = formatSarif(
      baseline
        ? { ...report, findings: [...report.findings, ...baseline.absent] }
        : report,
      {
        locate: sarifLocator(analysis.entries, io.cwd),
        toolVersion: version(),
        ...(baseline
          ? { baselineState: f => baseline.state.get(f.id) ?? 'absent' }
          : {}),
      },
    );
    writeJson(log, write, 2);
    return;
  }
  if (baseline) {
    const shown = {
      ...report,
      findings: report.findings.filter(
        f => baseline.state.get(f.id) !== 'unchanged',
      ),
    };
    const failing = failingUnderBaseline(report, baseline, opts.failOn).length;
    const problems = baseline.newProblems.length;
    const verdict =
      code === 0
        ? `PASS: nothing new reaches --fail-on ${opts.failOn}`
        : `FAIL: ${[
            failing
              ? `${failing} new or changed finding${failing === 1 ? '' : 's'}`
              : '',
            problems
              ? `${problems} new contract problem${problems === 1 ? '' : 's'}`
              : '',
          ]
            .filter(Boolean)
            .join(' and ')} reach --fail-on ${opts.failOn}`;
    write(
      `${formatText(shown, { color: useColor(io) })}${baselineLine(
        baseline,
      )}\n${verdict}\n`,
    );
    return;
  }
  const failing = report.findings.filter(f => reaches(f, opts.failOn)).length;
  const accepted = report.findings.filter(f => f.status === 'accepted').length;
  const verdict =
    code === 0
      ? `PASS: nothing reaches --fail-on ${opts.failOn}`
      : `FAIL: ${[
          failing ? `${failing} finding${failing === 1 ? '' : 's'}` : '',
          report.problems.length
            ? `${report.problems.length} contract problem${
                report.problems.length === 1 ? '' : 's'
              }`
            : '',
        ]
          .filter(Boolean)
          .join(' and ')} reach --fail-on ${opts.failOn}`;
  write(
    `${formatText(report, { color: useColor(io) })}${verdict}${
      accepted ? ` (${accepted} accepted by decisions)` : ''
    }\n`,
  );
}

/** `contracts baseline write FILE PATHS`: the findings and problems of today, frozen. */
async function baselineWrite(
  file: string,
  paths: string[],
  opts: CommonOptions,
  io: CliIo,
): Promise<number> {
  if (!paths.length && !opts.catalogUrl) {
    throw new UsageError(
      'nothing to freeze: give catalog files or folders (e.g. `contracts baseline write contracts-baseline.json .`), or --catalog-url',
    );
  }
  const { config, decisions } = loadOptionFiles(opts, io.cwd);
  const catalog = await loadEntities(paths, opts, io);
  const { report } = runAnalysis(catalog, { config, decisions, now: io.now });
  const frozen = baselineOf(report);
  writeBaseline(file, io.cwd, frozen);
  io.stdout(
    `Wrote ${file}: ${frozen.findings.length} finding${
      frozen.findings.length === 1 ? '' : 's'
    } and ${frozen.problems.length} contract problem${
      frozen.problems.length === 1 ? '' : 's'
    } frozen. \`contracts check --baseline ${file}\` now fails only on new ones and ones whose evidence changes.\n`,
  );
  return 0;
}
