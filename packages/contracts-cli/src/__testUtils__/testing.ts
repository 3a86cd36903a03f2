/*
 * Test helpers: run the CLI in-process, copy the example catalog into a temporary folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../context';
import { main } from '../main';

/** The repository's example catalog: the essay's initiative. */
export const EXAMPLES = path.resolve(__dirname, '../../../../examples');

/** Runs `contracts ARGS…` in-process; never a TTY unless asked. */
export async function run(
  args: string[],
  io: Partial<CliIo> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'contracts', ...args], {
    stdout: t => {
      stdout += t;
    },
    stderr: t => {
      stderr += t;
    },
    isTTY: false,
    env: {},
    ...io,
  });
  return { code, stdout, stderr };
}

const made: string[] = [];

/** A new temporary folder, removed after the tests. */
export function tmpDir(prefix = 'contracts-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0))
    fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the example catalog in a temporary folder: the essay's fraud-detection initiative
 * (what examples/all.yaml registers), without examples/marketing, whose own conflicts
 * (availability-composition, data-use-path) the tests of the essay's resolutions leave alone.
 */
export function copyExamples(): string {
  const dir = path.join(tmpDir(), 'examples');
  fs.cpSync(EXAMPLES, dir, {
    recursive: true,
    filter: source => path.relative(EXAMPLES, source) !== 'marketing',
  });
  return dir;
}

/** Replaces text in a file; fails when the text is not there. */
export function edit(file: string, from: string | RegExp, to: string) {
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${from} not found in ${file}`);
  fs.writeFileSync(file, next);
}

/** Writes files under a folder: `{ 'a/b.yaml': '…' }`. */
export function writeTree(dir: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

/** The example's edits that resolve its three blocking conflicts. */
export function resolveLatency(examples: string) {
  edit(
    path.join(examples, 'risk/contracts/sla.yaml'),
    'current: p50=2800ms, p95=3200ms',
    'current: p50=80ms, p95=150ms, p99=300ms',
  );
}

export function resolveFreshness(examples: string) {
  edit(
    path.join(examples, 'orders/contracts/data.yaml'),
    'freshness: 15-30s typical, 60s max',
    'freshness: 1-2s typical, 5s max',
  );
}

export function resolveIdempotency(examples: string) {
  edit(
    path.join(examples, 'checkout/contracts/retry.yaml'),
    'generates_new_request_id: true',
    'generates_new_request_id: false',
  );
  // and checkout's code keeps its id on retry: its committed discover report finds no new id
  // (else contract-drift reports that the code still makes one)
  const report = path.join(examples, 'checkout/contracts/discovered.json');
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  json.facts = json.facts.filter((f: any) => f.kind !== 'new-id-in-retry');
  fs.writeFileSync(report, `${JSON.stringify(json, null, 2)}\n`);
}
