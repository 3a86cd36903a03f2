#!/usr/bin/env node
/*
 * The headless Chromium of the end-to-end tests (test/support/browser.ts), and `npm test`'s line
 * saying which one runs:
 *
 *   node scripts/chromium.mjs          prints one line: which Chromium, its version and path
 *   node scripts/chromium.mjs --json   prints {source, executablePath, version, env, description}
 *
 * 1. CHROMIUM_PATH, when it names an executable file;
 * 2. otherwise the system's /usr/bin/chromium (Debian's `chromium` package), when there is one;
 * 3. otherwise the headless Chromium of the npm package @sparticuz/chromium (a root
 *    devDependency), which ships the browser inside the package: it is unpacked once into
 *    .tools/chromium/<version>/ (git-ignored; a few seconds the first time). Its fonts come with
 *    it, and so do the NSS libraries it needs when the machine lacks them.
 * CONTRACTS_TEST_CHROMIUM=npm skips 1 and 2 (the npm browser even where a system one exists).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SYSTEM = '/usr/bin/chromium';

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `chromium --version`, or the error output when it does not run. */
function versionOf(executablePath, env = {}) {
  const r = spawnSync(executablePath, ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return r.status === 0
    ? { version: out.split('\n')[0] }
    : { error: out || String(r.error) };
}

function system() {
  if (process.env.CONTRACTS_TEST_CHROMIUM === 'npm') {
    return { skipped: `CONTRACTS_TEST_CHROMIUM=npm` };
  }
  const configured = process.env.CHROMIUM_PATH;
  if (configured && !isExecutable(configured)) {
    process.stderr.write(
      `[chromium] CHROMIUM_PATH=${configured} is not an executable file\n`,
    );
  }
  const candidate =
    configured && isExecutable(configured)
      ? configured
      : isExecutable(SYSTEM)
      ? SYSTEM
      : undefined;
  if (!candidate) {
    return { skipped: `no ${configured ? `${configured} nor ` : ''}${SYSTEM}` };
  }
  const { version, error } = versionOf(candidate);
  if (error) {
    throw new Error(`${candidate} does not run: ${error}`);
  }
  return {
    source: 'system',
    executablePath: candidate,
    version,
    env: {},
    description: `${version} at ${candidate} (the system's)`,
  };
}

async function fromNpm(why) {
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(
    path.dirname(require.resolve('@sparticuz/chromium')),
  );
  const pkgVersion = JSON.parse(
    fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'),
  ).version;
  const dir = path.join(ROOT, '.tools', 'chromium', pkgVersion);
  const executablePath = path.join(dir, 'chromium');

  if (!isExecutable(executablePath)) {
    // @sparticuz/chromium unpacks into os.tmpdir(): a fresh folder, renamed into place when
    // complete, so that a run stopped half-way or running beside another leaves nothing broken.
    const started = Date.now();
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    const previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const { default: Chromium, inflate } = await import(
        '@sparticuz/chromium'
      );
      await Chromium.executablePath(path.join(pkgDir, 'bin'));
      // NSS and expat, for machines without them (used only when the browser needs them)
      await inflate(path.join(pkgDir, 'bin', 'al2023.tar.br'));
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
    }
    // fonts: the machine's, plus the ones shipped with the browser
    fs.writeFileSync(
      path.join(tmp, 'fonts.conf'),
      `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${path.join(dir, 'fonts')}</dir>
  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>
</fontconfig>
`,
    );
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another run got there first
    }
    process.stderr.write(
      `[chromium] unpacked @sparticuz/chromium ${pkgVersion} into ${dir} in ${(
        (Date.now() - started) /
        1000
      ).toFixed(1)} s\n`,
    );
  }

  const env = { FONTCONFIG_FILE: path.join(dir, 'fonts.conf') };
  let { version, error } = versionOf(executablePath, env);
  let libs = '';
  if (error && /shared librar/.test(error)) {
    const libDir = path.join(dir, 'al2023', 'lib');
    env.LD_LIBRARY_PATH = [libDir, process.env.LD_LIBRARY_PATH]
      .filter(Boolean)
      .join(':');
    ({ version, error } = versionOf(executablePath, env));
    libs = `, with the package's NSS libraries`;
  }
  if (error) {
    throw new Error(`${executablePath} does not run: ${error}`);
  }
  return {
    source: 'npm',
    executablePath,
    version,
    env,
    description: `${version} at ${executablePath} (npm @sparticuz/chromium ${pkgVersion}${libs}; ${why})`,
  };
}

try {
  const found = system();
  const choice = found.source ? found : await fromNpm(found.skipped);
  process.stdout.write(
    process.argv.includes('--json')
      ? `${JSON.stringify(choice)}\n`
      : `${choice.description}\n`,
  );
} catch (error) {
  process.stderr.write(`[chromium] ${error.message}\n`);
  process.exit(1);
}
