#!/usr/bin/env node
/*
 * The install check (`yarn verify:install`, `.ci/run` after `npm test`): proof that a Backstage
 * app made elsewhere installs the seven packages from their tarballs by following their READMEs.
 *
 *  1. build    `backstage-cli repo fix --publish --check` (the publishing metadata as Backstage
 *              wants it), `yarn tsc`, then `backstage-cli package build` in each package
 *  2. pack     `yarn pack` in each package (prepack/postpack: `backstage-cli package
 *              prepack/postpack`); checks each tarball: not private, no `workspace:` range, and
 *              every main/types/module/exports/bin/configSchema target inside it
 *  3. publish  a local npm registry for the @backstage-contracts scope serving those tarballs
 *              (the scope is not on npmjs.com): the one thing the app is given that an adopter
 *              would not need, as `npmScopes` in its .yarnrc.yml
 *  4. create   `npx @backstage/create-app@latest --skip-install` in a temporary folder, then
 *              the app's own `yarn install`
 *  5. readmes  the Install sections of the READMEs, in this order: contracts-backend,
 *              catalog-backend-module-contracts, tech-insights-backend-module-contracts,
 *              contracts (new frontend system), contracts-cli.
 *              Applied as written: ```sh blocks run line by line in the app's folder (a
 *              `yarn add` whose packages are all in that workspace already is skipped, and
 *              said); a ```yaml block headed `# <file>` is merged into that file (lists are
 *              extended) or, when the app has no such file, written as it; a ```ts block headed
 *              `// packages/backend/src/index.ts` adds its `backend.add(...)` lines before
 *              `backend.start()`; one headed `// packages/app/src/App.tsx` is applied only when
 *              app-config.yaml does not say `app.packages: all` (as the README says).
 *  6. build    the app's `yarn tsc` and `yarn build:backend` (which builds the frontend too)
 *  7. start    the app's backend as its `yarn start` does (`backstage-cli package start` in
 *              packages/backend), serving the frontend `yarn build:backend` built, on the app's
 *              app-config.yaml and an overlay giving a free port
 *  8. api      the guest's token (as the sign-in page gets it), then `GET /api/contracts/findings`
 *              until the README example's finding is listed
 *  9. browser  headless Chromium (scripts/chromium.mjs picks it; playwright-core) on checkout's
 *              entity page: the Contracts card and the finding; a screenshot in the work folder
 *
 * Every stage prints its duration. The work folder is a new temporary one, removed at the end
 * unless --keep (or on failure, when it is kept for its logs). Options:
 *   --keep            keep the work folder
 *   --work DIR        use DIR as the work folder (created; must not exist)
 *   --create-app SPEC the create-app to run (default @backstage/create-app@latest)
 *   --dry-run         only read the READMEs' Install sections and say how each block would be
 *                     applied (a block with no rule fails), building and installing nothing
 *   --reuse           with --work DIR of a kept run: its tarballs and installed app, from the
 *                     READMEs on (to work on the later stages)
 * Packages that had no dist/ before the build get none after (bin/contracts of the repository
 * would otherwise run the built CLI instead of its sources).
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const YAML = require('yaml');

const PACKAGES = [
  'plugins/contracts-common',
  'plugins/contracts-node',
  'plugins/catalog-backend-module-contracts',
  'plugins/contracts-backend',
  'plugins/tech-insights-backend-module-contracts',
  'plugins/contracts',
  'packages/contracts-cli',
];
// The READMEs whose Install sections the app follows, in this order.
const READMES = [
  { dir: 'plugins/contracts-backend', section: /^## Install$/ },
  { dir: 'plugins/catalog-backend-module-contracts', section: /^## Install$/ },
  {
    dir: 'plugins/tech-insights-backend-module-contracts',
    section: /^## Install$/,
  },
  { dir: 'plugins/contracts', section: /^## Install — new frontend system$/ },
  { dir: 'packages/contracts-cli', section: /^## Install$/ },
];
const SCOPE = 'backstage-contracts';
// What the backend README's example gives (examples/contracts.yaml).
const EXPECTED = {
  rule: 'timeout-below-tail',
  consumer: 'component:default/checkout',
  provider: 'component:default/risk',
  title: 'Timeout below provider tail latency',
};

// ---------------------------------------------------------------------------------------------
const args = process.argv.slice(2);
const opt = name => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
// --reuse (with --work): a kept work folder's tarballs and installed app, from stage 5 on
const REUSE = args.includes('--reuse');
const KEEP = args.includes('--keep') || REUSE;
const CREATE_APP = opt('--create-app') ?? '@backstage/create-app@latest';
const WORK = opt('--work')
  ? path.resolve(opt('--work'))
  : fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-install-'));
if (opt('--work') && !REUSE && fs.existsSync(path.join(WORK, 'app')))
  throw new Error(`${WORK} holds an app already (--reuse to go on with it)`);
fs.mkdirSync(WORK, { recursive: true });
const APP = path.join(WORK, 'app');
const PACKS = path.join(WORK, 'packs');
const LOGS = path.join(WORK, 'logs');
fs.mkdirSync(PACKS, { recursive: true });
fs.mkdirSync(LOGS, { recursive: true });

const started = Date.now();
const durations = [];
const log = msg => process.stderr.write(`[verify-install] ${msg}\n`);
const secs = ms => `${(ms / 1000).toFixed(1)} s`;

async function stage(name, fn) {
  const t = Date.now();
  log(`── ${name}`);
  const result = await fn();
  const ms = Date.now() - t;
  durations.push([name, ms]);
  log(`── ${name}: done in ${secs(ms)}`);
  return result;
}

// --dry-run: how the READMEs would be applied, and nothing else
if (args.includes('--dry-run')) {
  try {
    await followReadmes(true);
    log('dry run: every block of the Install sections has a rule');
  } catch (error) {
    process.exitCode = 1;
    log(`FAILED: ${error?.message ?? error}`);
  } finally {
    if (!opt('--work')) fs.rmSync(WORK, { recursive: true, force: true });
  }
  process.exit();
}

/** The environment for commands in the app: none of this repository's yarn run variables. */
function appEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    // (npm_config_* stay: npm_config_nodedir gives node-gyp the headers of the Node in use)
    if (
      /^(npm_(package|lifecycle)_|npm_execpath$|npm_node_execpath$|npm_command$|BERRY_|PROJECT_CWD$|INIT_CWD$)/.test(
        key,
      )
    )
      delete env[key];
  }
  // yarn run puts a folder of its own yarn/node shims first on the PATH
  env.PATH = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(p => !/[/\\]xfs-[0-9a-f]+$/.test(p))
    .join(path.delimiter);
  // Yarn makes installs immutable under CI=true; the new app's lockfile is still to be written
  return { ...env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', ...extra };
}

/** Runs a command; its output goes to a log file (and its tail to stderr when it fails). */
function run(cmd, argv, { cwd, env, logName, input, shell = false } = {}) {
  const logFile = path.join(LOGS, `${logName ?? path.basename(cmd)}.log`);
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'a');
    fs.writeSync(
      out,
      `\n$ (cd ${cwd ?? process.cwd()} && ${[cmd, ...argv].join(' ')})\n`,
    );
    const child = spawn(cmd, argv, {
      cwd,
      env: env ?? process.env,
      shell,
      stdio: [input === undefined ? 'ignore' : 'pipe', out, out],
    });
    if (input !== undefined) child.stdin.end(input);
    child.on('error', reject);
    child.on('exit', code => {
      fs.closeSync(out);
      if (code === 0) return resolve(fs.readFileSync(logFile, 'utf8'));
      const text = fs.readFileSync(logFile, 'utf8');
      process.stderr.write(text.split('\n').slice(-40).join('\n') + '\n');
      reject(
        new Error(
          `${[cmd, ...argv].join(
            ' ',
          )} (in ${cwd}) exited with ${code}; log: ${logFile}`,
        ),
      );
    });
  });
}

function fail(message) {
  throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// 1–2. build and pack

const distExisted = new Map(
  PACKAGES.map(dir => [dir, fs.existsSync(path.join(ROOT, dir, 'dist'))]),
);

function removeNewDists() {
  for (const [dir, existed] of distExisted) {
    if (!existed)
      fs.rmSync(path.join(ROOT, dir, 'dist'), { recursive: true, force: true });
  }
}

async function build() {
  const cli = path.join(ROOT, 'node_modules/@backstage/cli/bin/backstage-cli');
  // the publishing metadata as Backstage's tooling wants it (exports, typesVersions, plugin ids
  // and packages)
  await run(process.execPath, [cli, 'repo', 'fix', '--publish', '--check'], {
    cwd: ROOT,
    logName: 'repo-fix',
  });
  await run('yarn', ['tsc'], { cwd: ROOT, logName: 'repo-tsc' });
  for (const dir of PACKAGES) {
    const t = Date.now();
    await run(process.execPath, [cli, 'package', 'build'], {
      cwd: path.join(ROOT, dir),
      logName: `build-${path.basename(dir)}`,
    });
    log(`   built ${dir} in ${secs(Date.now() - t)}`);
  }
}

function tarList(tgz) {
  const r = spawnSync('tar', ['-tzf', tgz], { encoding: 'utf8' });
  if (r.status !== 0) fail(`tar -tzf ${tgz}: ${r.stderr}`);
  return new Set(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map(f => f.replace(/^package\//, '')),
  );
}

function tarManifest(tgz) {
  const r = spawnSync('tar', ['-xzOf', tgz, 'package/package.json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) fail(`${tgz} has no package/package.json: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** What a published manifest must hold: it points into the tarball, at nothing unpublished. */
function checkPacked(dir, tgz) {
  const files = tarList(tgz);
  const pkg = tarManifest(tgz);
  const problems = [];
  if (pkg.private) problems.push('it is private');
  for (const field of [
    'dependencies',
    'peerDependencies',
    'optionalDependencies',
  ]) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (/^(workspace|link|file|portal):/.test(range))
        problems.push(`${field}.${name} is ${range}`);
    }
  }
  const targets = [];
  for (const field of ['main', 'module', 'types', 'configSchema']) {
    if (typeof pkg[field] === 'string') targets.push([field, pkg[field]]);
  }
  const walk = (where, value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./') && !value.startsWith('@'))
        targets.push([where, value]);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(`${where}[${k}]`, v);
    }
  };
  walk('exports', pkg.exports);
  for (const [name, file] of Object.entries(
    typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : pkg.bin ?? {},
  )) {
    targets.push([`bin.${name}`, file]);
  }
  for (const [where, target] of targets) {
    const file = path.posix.normalize(target).replace(/^\.\//, '');
    if (!files.has(file))
      problems.push(`${where} → ${target}, not in the tarball`);
  }
  if (pkg.bin) {
    // the CLI's bin runs the built CLI in an install
    if (!files.has('dist/index.cjs.js'))
      problems.push('no dist/index.cjs.js for its bin');
  }
  if (![...files].some(f => f.startsWith('dist/'))) problems.push('no dist/');
  if (problems.length) fail(`${dir}: ${tgz}: ${problems.join('; ')}`);
  log(
    `   ${pkg.name}@${pkg.version}: ${files.size} files, main ${
      pkg.main ?? '-'
    }${pkg.exports ? `, exports ${Object.keys(pkg.exports).join(' ')}` : ''}${
      pkg.bin ? `, bin ${Object.keys(pkg.bin).join(' ')}` : ''
    }`,
  );
  return pkg;
}

async function pack() {
  const packed = [];
  for (const dir of PACKAGES) {
    const manifestFile = path.join(ROOT, dir, 'package.json');
    const original = fs.readFileSync(manifestFile);
    const tgz = path.join(PACKS, `${path.basename(dir)}.tgz`);
    const t = Date.now();
    try {
      await run('yarn', ['pack', '--out', tgz], {
        cwd: path.join(ROOT, dir),
        logName: `pack-${path.basename(dir)}`,
      });
    } finally {
      // postpack restores it; an interrupted pack must not leave the publish form behind
      if (!fs.readFileSync(manifestFile).equals(original))
        fs.writeFileSync(manifestFile, original);
    }
    const pkg = checkPacked(dir, tgz);
    log(`   packed ${dir} in ${secs(Date.now() - t)}`);
    packed.push({ dir, tgz, pkg });
  }
  return packed;
}

// ---------------------------------------------------------------------------------------------
// 3. a registry for the scope

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Serves packuments and tarballs for the packed packages, as npmjs.com would once published. */
async function startRegistry(packed) {
  const now = new Date().toISOString();
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const byName = new Map();
  const tarballs = new Map();
  for (const { tgz, pkg } of packed) {
    const data = fs.readFileSync(tgz);
    const file = `${pkg.name.replace('/', '-').replace('@', '')}-${
      pkg.version
    }.tgz`;
    tarballs.set(`/-/${file}`, data);
    byName.set(pkg.name, {
      name: pkg.name,
      'dist-tags': { latest: pkg.version },
      versions: {
        [pkg.version]: {
          ...pkg,
          _id: `${pkg.name}@${pkg.version}`,
          dist: {
            tarball: `${base}/-/${file}`,
            shasum: crypto.createHash('sha1').update(data).digest('hex'),
            integrity: `sha512-${crypto
              .createHash('sha512')
              .update(data)
              .digest('base64')}`,
          },
        },
      },
      // the publish time is now: an app's npmMinimalAgeGate sees a fresh release
      time: { created: now, modified: now, [pkg.version]: now },
    });
  }
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, base);
    const tarball = tarballs.get(url.pathname);
    requests.push(`${req.method} ${url.pathname}`);
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(tarball);
    }
    const packument = byName.get(decodeURIComponent(url.pathname.slice(1)));
    if (packument) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(packument));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise(resolve => server.listen(port, '127.0.0.1', resolve));
  log(`   @${SCOPE}/* served at ${base} (${[...byName.keys()].join(', ')})`);
  return { base, server, requests };
}

// ---------------------------------------------------------------------------------------------
// 4. the app

async function createApp(registry) {
  await run('npx', ['-y', CREATE_APP, '--skip-install', '--path', APP], {
    cwd: WORK,
    env: appEnv(),
    input: 'contracts-app\n',
    logName: 'create-app',
  });
  const backstage = JSON.parse(
    fs.readFileSync(path.join(APP, 'backstage.json'), 'utf8'),
  );
  log(`   created a Backstage ${backstage.version} app in ${APP}`);
  useScopeRegistry(registry);
}

/** "Publishing": the scope's registry (plain http on localhost). Nothing else an adopter would not do. */
function useScopeRegistry(registry) {
  editYaml(path.join(APP, '.yarnrc.yml'), doc => {
    doc.setIn(['npmScopes', SCOPE, 'npmRegistryServer'], registry.base);
    doc.setIn(['unsafeHttpWhitelist'], doc.createNode(['localhost']));
  });
}

function editYaml(file, edit) {
  const doc = YAML.parseDocument(
    fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '',
  );
  if (doc.contents === null) doc.contents = doc.createNode({});
  edit(doc);
  fs.writeFileSync(file, doc.toString());
}

/** Merges `value` into the document at `keyPath`: maps deeply, lists extended (no duplicates). */
function mergeInto(doc, keyPath, value) {
  if (Array.isArray(value)) {
    const existing = doc.getIn(keyPath, true);
    if (YAML.isSeq(existing)) {
      const have = new Set(existing.toJSON().map(v => JSON.stringify(v)));
      for (const item of value) {
        if (!have.has(JSON.stringify(item))) existing.add(doc.createNode(item));
      }
      return;
    }
    doc.setIn(keyPath, doc.createNode(value));
  } else if (value && typeof value === 'object') {
    if (!YAML.isMap(doc.getIn(keyPath, true)) && keyPath.length)
      doc.setIn(keyPath, doc.createNode({}));
    for (const [k, v] of Object.entries(value))
      mergeInto(doc, [...keyPath, k], v);
  } else {
    doc.setIn(keyPath, value);
  }
}

// ---------------------------------------------------------------------------------------------
// 5. the READMEs' Install sections

function installSection(dir, heading) {
  const file = path.join(ROOT, dir, 'README.md');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex(l => heading.test(l));
  if (start < 0) fail(`${dir}/README.md has no heading ${heading}`);
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const text = lines.slice(start, end).join('\n');
  const blocks = [];
  for (const m of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    blocks.push({ lang: m[1], body: m[2] });
  }
  return { file: `${dir}/README.md`, blocks };
}

function workspaceManifest(cwd) {
  return JSON.parse(fs.readFileSync(path.join(cwd, 'package.json'), 'utf8'));
}

/** Whether a `yarn [--cwd DIR] add [--dev] PKG…` line would add nothing new. */
function yarnAddIsDone(line) {
  const words = line
    .replace(/\s#.*$/, '')
    .trim()
    .split(/\s+/);
  if (words[0] !== 'yarn') return false;
  let cwd = APP;
  let i = 1;
  if (words[i] === '--cwd') {
    cwd = path.resolve(APP, words[i + 1]);
    i += 2;
  }
  if (words[i] !== 'add') return false;
  const names = words.slice(i + 1).filter(w => !w.startsWith('-'));
  if (!names.length) return false;
  const manifest = workspaceManifest(cwd);
  const have = { ...manifest.dependencies, ...manifest.devDependencies };
  return names.every(n => n in have);
}

async function applySh(readme, body, n, dry) {
  const lines = body
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'));
  for (const line of lines) {
    if (dry) {
      log(`   ${readme}: would run $ ${line}`);
      continue;
    }
    if (yarnAddIsDone(line)) {
      log(`   ${readme}: \`${line}\` — already added, skipped`);
      continue;
    }
    const t = Date.now();
    log(`   ${readme}: $ ${line}`);
    const out = await run('bash', ['-c', line], {
      cwd: APP,
      env: appEnv(),
      logName: `readme-${path.basename(path.dirname(readme))}-${n}`,
    });
    log(`     (${secs(Date.now() - t)})`);
    if (/contracts check/.test(line)) {
      if (!out.includes(EXPECTED.rule))
        fail(`\`${line}\` did not report ${EXPECTED.rule}; log in ${LOGS}`);
      log(`     it reports ${EXPECTED.rule} for ${EXPECTED.consumer}`);
    }
  }
}

function applyYaml(readme, body, dry) {
  const header = body.split('\n')[0].match(/^#\s*(\S+)/);
  if (!header) return false;
  const isConfig = /(^|\/)(\.yarnrc\.yml|app-config[^/]*\.yaml)$/.test(
    header[1],
  );
  if (dry) {
    // a configuration file is merged into (the app has one), any other file written
    if (isConfig) {
      const value = YAML.parse(body);
      log(
        `   ${readme}: would merge into ${header[1]}: ${JSON.stringify(value)}`,
      );
    } else {
      const docs = YAML.parseAllDocuments(body);
      const errors = docs.flatMap(d => d.errors);
      if (errors.length) fail(`${readme}: ${header[1]}: ${errors[0].message}`);
      log(
        `   ${readme}: would write ${header[1]} (${docs.length} document(s))`,
      );
    }
    return true;
  }
  const target = path.join(APP, header[1]);
  if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === body) {
    log(`   ${readme}: ${header[1]} is there already`);
  } else if (fs.existsSync(target) && isConfig) {
    // a configuration file of the app: the block's settings are added to it
    const value = YAML.parse(body);
    editYaml(target, doc => mergeInto(doc, [], value));
    log(`   ${readme}: merged into ${header[1]}: ${JSON.stringify(value)}`);
  } else if (fs.existsSync(target)) {
    fail(`${readme}: the app has a ${header[1]} of its own already`);
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, body);
    log(`   ${readme}: wrote ${header[1]}`);
  }
  return true;
}

function appUsesPackageDiscovery() {
  const config = YAML.parse(
    fs.readFileSync(path.join(APP, 'app-config.yaml'), 'utf8'),
  );
  return config?.app?.packages === 'all';
}

function applyTs(readme, body, dry) {
  const header = body.split('\n')[0].match(/^\/\/\s*([^\s,]+)/);
  if (!header) return false;
  const file = path.join(APP, header[1]);
  const code = body.split('\n').slice(1);
  const readSource = () => {
    if (!fs.existsSync(file)) fail(`${readme}: the app has no ${header[1]}`);
    return fs.readFileSync(file, 'utf8');
  };
  let source;
  if (header[1] === 'packages/backend/src/index.ts') {
    const adds = code
      .map(l => l.trim())
      .filter(l => /^backend\.add\(.*\);$/.test(l));
    if (!adds.length)
      fail(`${readme}: no backend.add(...) line in the block for ${header[1]}`);
    if (dry) {
      for (const add of adds)
        log(`   ${readme}: ${header[1]} would get ${add}`);
      return true;
    }
    source = readSource();
    for (const add of adds) {
      if (source.includes(add)) {
        log(`   ${readme}: ${header[1]} has ${add} already`);
        continue;
      }
      if (!source.includes('backend.start();'))
        fail(`${header[1]} has no backend.start();`);
      source = source.replace('backend.start();', `${add}\n\nbackend.start();`);
      log(`   ${readme}: ${header[1]} += ${add}`);
    }
  } else if (header[1] === 'packages/app/src/App.tsx') {
    const imports = code.filter(l => /^import .* from '.*';$/.test(l.trim()));
    const names = imports
      .map(l => l.match(/^import\s+(\w+)/)?.[1])
      .filter(Boolean);
    if (dry) {
      log(
        `   ${readme}: ${header[1]} would import ${names.join(
          ', ',
        )} into the features (unless app-config.yaml says app.packages: all)`,
      );
      return true;
    }
    source = readSource();
    if (appUsesPackageDiscovery()) {
      log(
        `   ${readme}: app-config.yaml has app.packages: all — the plugin is discovered, ${header[1]} stays as it is`,
      );
      return true;
    }
    const lastImport = [...source.matchAll(/^import [\s\S]*?;$/gm)].pop();
    const at = lastImport ? lastImport.index + lastImport[0].length : 0;
    source = `${source.slice(0, at)}\n${imports.join('\n')}${source.slice(at)}`;
    if (!/features:\s*\[/.test(source))
      fail(`${header[1]} has no createApp({ features: [...] })`);
    source = source.replace(/features:\s*\[/, m => `${m}${names.join(', ')}, `);
    log(
      `   ${readme}: ${header[1]}: imports ${names.join(
        ', ',
      )} into the features`,
    );
  } else {
    fail(`${readme}: no rule to apply a block for ${header[1]}`);
  }
  fs.writeFileSync(file, source);
  return true;
}

async function followReadmes(dry = false) {
  for (const { dir, section } of READMES) {
    const { file, blocks } = installSection(dir, section);
    if (!blocks.length) fail(`${file}: its Install section has no code block`);
    let n = 0;
    for (const { lang, body } of blocks) {
      n += 1;
      if (lang === 'sh') await applySh(file, body, n, dry);
      else if (lang === 'yaml') {
        if (!applyYaml(file, body, dry))
          fail(`${file}: a yaml block without a # <file> header`);
      } else if (lang === 'ts') applyTs(file, body, dry);
      else
        fail(
          `${file}: a \`\`\`${lang} block in its Install section (no rule to apply it)`,
        );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 7–9. run it

async function startBackend() {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const overlay = path.join(APP, 'app-config.verify-install.yaml');
  fs.writeFileSync(
    overlay,
    YAML.stringify({
      app: { baseUrl: base },
      backend: {
        baseUrl: base,
        listen: { port, host: '127.0.0.1' },
        cors: { origin: base },
      },
    }),
  );
  const logFile = path.join(LOGS, 'backend.log');
  const out = fs.openSync(logFile, 'w');
  // as the app's `yarn start` starts its backend (backstage-cli package start: the sources of
  // packages/backend, our packages from node_modules); it serves the frontend that
  // `yarn build:backend` built into packages/app/dist
  const child = spawn(
    'yarn',
    ['start', '--config', '../../app-config.yaml', '--config', overlay],
    {
      cwd: path.join(APP, 'packages/backend'),
      env: appEnv(),
      stdio: ['ignore', out, out],
      detached: true,
    },
  );
  let exited = null;
  child.on('exit', code => {
    exited = code ?? 'signal';
  });
  const killGroup = signal => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // gone already
    }
  };
  const stop = async () => {
    if (exited !== null) return;
    killGroup('SIGTERM');
    const t = Date.now();
    while (exited === null && Date.now() - t < 10_000) await sleep(100);
    killGroup('SIGKILL');
  };
  process.on('exit', () => killGroup('SIGKILL'));
  const local = `http://127.0.0.1:${port}`;
  const t = Date.now();
  for (;;) {
    if (exited !== null)
      fail(`the app's backend exited (${exited}); log: ${logFile}`);
    if (Date.now() - t > 5 * 60_000)
      fail(`the app's backend did not answer in 5 min; log: ${logFile}`);
    try {
      const res = await fetch(`${local}/.backstage/health/v1/readiness`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  log(`   the app's backend serves ${base} (log: ${logFile})`);
  return { base, local, stop, logFile };
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function checkApi(backend) {
  const res = await fetch(`${backend.local}/api/auth/guest/refresh`, {
    method: 'POST',
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!res.ok) fail(`guest sign-in: ${res.status} ${await res.text()}`);
  const token = (await res.json()).backstageIdentity.token;
  const t = Date.now();
  let last = '';
  for (;;) {
    const r = await fetch(`${backend.local}/api/contracts/findings`, {
      headers: { authorization: `Bearer ${token}` },
    });
    last = `${r.status} ${await r.text()}`;
    if (r.ok) {
      const body = JSON.parse(last.slice(4));
      const finding = body.items.find(
        f =>
          f.rule === EXPECTED.rule &&
          f.consumer === EXPECTED.consumer &&
          f.provider === EXPECTED.provider,
      );
      if (finding) {
        log(
          `   GET /api/contracts/findings: ${body.items.length} finding(s), ${
            finding.rule
          } ${finding.consumer} → ${finding.provider} (${finding.severity}, ${
            finding.status
          }) after ${secs(Date.now() - t)}`,
        );
        return finding;
      }
    }
    if (Date.now() - t > 4 * 60_000)
      fail(
        `GET /api/contracts/findings never listed ${
          EXPECTED.rule
        }; last answer: ${last.slice(0, 500)}`,
      );
    await sleep(2000);
  }
}

async function checkBrowser(backend, finding) {
  const out = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts/chromium.mjs'), '--json'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (out.status !== 0) fail('scripts/chromium.mjs found no Chromium');
  const chromium = JSON.parse(out.stdout);
  log(`   browser: ${chromium.description}`);
  const { chromium: pw } = require('playwright-core');
  const browser = await pw.launch({
    executablePath: chromium.executablePath,
    env: { ...process.env, ...chromium.env },
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
    ],
  });
  const shot = path.join(WORK, 'entity-page.png');
  try {
    const page = await browser.newPage({
      viewport: { width: 1400, height: 1100 },
    });
    const errors = [];
    page.on('pageerror', e => errors.push(String(e)));
    await page.goto(`${backend.base}/catalog/default/component/checkout`);
    const enter = page.getByRole('button', { name: /enter/i });
    if (
      await enter.waitFor({ timeout: 20_000 }).then(
        () => true,
        () => false,
      )
    ) {
      await enter.click();
      log('   signed in as the guest (sign-in page: Enter)');
    }
    try {
      await page
        .getByText('Conflicts', { exact: true })
        .first()
        .waitFor({ timeout: 90_000 });
      await page
        .getByText('Contracts', { exact: true })
        .first()
        .waitFor({ timeout: 30_000 });
      await page.getByText(EXPECTED.title).first().waitFor({ timeout: 60_000 });
      await page
        .getByText(/needs .*risk.*scoreTransaction/)
        .first()
        .waitFor({ timeout: 30_000 });
    } finally {
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    }
    log(
      `   checkout's entity page shows the Contracts card (needs risk scoreTransaction) and the Conflicts card with "${finding.title}"; screenshot ${shot}`,
    );
    if (errors.length) log(`   page errors: ${errors.join(' | ')}`);
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------------------------------------

let registry;
let backend;
let ok = false;
try {
  log(`work folder ${WORK} (Node ${process.version})`);
  let packed;
  if (REUSE) {
    packed = PACKAGES.map(dir => {
      const tgz = path.join(PACKS, `${path.basename(dir)}.tgz`);
      return { dir, tgz, pkg: checkPacked(dir, tgz) };
    });
  } else {
    await stage('build the packages', build);
    packed = await stage('pack the packages', async () => {
      try {
        return await pack();
      } finally {
        removeNewDists();
      }
    });
  }
  registry = await stage('serve the tarballs as a registry', () =>
    startRegistry(packed),
  );
  if (REUSE) {
    useScopeRegistry(registry);
  } else {
    await stage(`create an app (${CREATE_APP})`, () => createApp(registry));
    await stage("the app's yarn install", () =>
      run('yarn', ['install'], {
        cwd: APP,
        env: appEnv(),
        logName: 'app-install',
      }),
    );
  }
  await stage('follow the READMEs', followReadmes);
  const served = new Set(
    registry.requests.filter(r => r.startsWith('GET /-/')).map(r => r.slice(7)),
  );
  log(
    `   tarballs the app fetched from the scope's registry: ${
      [...served].join(', ') || 'none'
    }`,
  );
  if (!REUSE && served.size !== PACKAGES.length)
    fail(`the app fetched ${served.size} of the ${PACKAGES.length} tarballs`);
  await stage('build the app (yarn tsc, yarn build:backend)', async () => {
    await run('yarn', ['tsc'], { cwd: APP, env: appEnv(), logName: 'app-tsc' });
    await run('yarn', ['build:backend'], {
      cwd: APP,
      env: appEnv(),
      logName: 'app-build',
    });
  });
  backend = await stage("start the app's backend", startBackend);
  const finding = await stage('check the API', () => checkApi(backend));
  await stage('check the entity page in Chromium', () =>
    checkBrowser(backend, finding),
  );
  ok = true;
} catch (error) {
  process.exitCode = 1;
  log(`FAILED: ${error?.stack ?? error}`);
} finally {
  removeNewDists();
  await backend?.stop();
  registry?.server.closeAllConnections();
  registry?.server.close();
  log('durations:');
  for (const [name, ms] of durations)
    log(`   ${secs(ms).padStart(8)}  ${name}`);
  log(`   ${secs(Date.now() - started).padStart(8)}  in all`);
  if (ok && !KEEP) {
    fs.rmSync(WORK, { recursive: true, force: true });
    log('PASS');
  } else {
    log(
      `${
        ok ? 'PASS' : 'FAIL'
      }; the work folder (app, tarballs, logs) is kept: ${WORK}`,
    );
  }
}
// a child or a socket left behind must not keep the check from ending
process.exit();
