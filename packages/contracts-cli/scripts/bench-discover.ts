/*
 * Benchmark of `contracts discover` (not a test): generates a repository of N source and
 * configuration files (default 5,000) in TypeScript, JavaScript, Python, Go, Java, Kotlin, C#
 * and YAML — most of them ordinary code with no fact, one in five a client with timeouts,
 * retries and ids, plus tests and a vendored folder that must be skipped — and times
 * `contracts discover` over it, as the command runs (in this process, sources through tsx).
 *
 *   yarn bench:discover [--files 5000] [--keep]
 *
 * Target: under 30 s for 5,000 files on these machines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/main';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const FILES = Number(option('files', '5000'));
const KEEP = args.includes('--keep');

/** Ordinary code: a few dozen lines with no timeout, retry or id. */
function plain(lang: string, i: number): string {
  const body = Array.from({ length: 30 }, (_, j) => j);
  switch (lang) {
    case 'ts':
      return body
        .map(
          j =>
            `export function f${i}_${j}(a: number, b: number): number {\n  return a * ${j} + b;\n}\n`,
        )
        .join('');
    case 'py':
      return body
        .map(j => `def f${i}_${j}(a, b):\n    return a * ${j} + b\n\n`)
        .join('');
    case 'go':
      return `package p${i % 50}\n\n${body
        .map(j => `func F${i}_${j}(a, b int) int {\n\treturn a*${j} + b\n}\n`)
        .join('')}`;
    case 'java':
      return `package p;\n\npublic class C${i} {\n${body
        .map(j => `  int f${j}(int a, int b) { return a * ${j} + b; }\n`)
        .join('')}}\n`;
    case 'kt':
      return `package p\n\n${body
        .map(j => `fun f${i}x${j}(a: Int, b: Int): Int = a * ${j} + b\n`)
        .join('')}`;
    case 'cs':
      return `namespace P;\n\npublic class C${i}\n{\n${body
        .map(j => `    public int F${j}(int a, int b) => a * ${j} + b;\n`)
        .join('')}}\n`;
    default:
      return `name: c${i}\nreplicas: 2\nlabels:\n  app: c${i}\n`;
  }
}

/** A client with facts. */
function client(lang: string, i: number): string {
  const svc = ['risk', 'payment', 'orders', 'shipping', 'ledger'][i % 5];
  switch (lang) {
    case 'ts':
      return `import { randomUUID } from 'node:crypto';\nconst URL_${i} = process.env.${svc.toUpperCase()}_URL ?? 'http://${svc}:8080';\nexport const TIMEOUT_MS = ${
        100 + i
      };\nexport async function call${i}(body: unknown) {\n  for (let attempt = 0; attempt < 3; attempt++) {\n    const id = randomUUID();\n    try {\n      return await fetch(\`\${URL_${i}}/x\`, { method: 'POST', headers: { 'Idempotency-Key': id }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });\n    } catch (e) {\n      continue;\n    }\n  }\n  return undefined;\n}\n${plain(
        'ts',
        i,
      )}`;
    case 'py':
      return `import uuid, requests\nfrom tenacity import retry, stop_after_attempt\n\nTIMEOUT = 0.${
        (i % 9) + 1
      }\n\n@retry(stop=stop_after_attempt(3))\ndef call_${i}(body):\n    body["id"] = str(uuid.uuid4())\n    return requests.post("http://${svc}/x", json=body, timeout=TIMEOUT)\n\n${plain(
        'py',
        i,
      )}`;
    case 'go':
      return `package p${
        i % 50
      }\n\nimport (\n\t"context"\n\t"net/http"\n\t"time"\n)\n\nfunc Call${i}(ctx context.Context) error {\n\tctx, cancel := context.WithTimeout(ctx, ${
        (i % 7) + 1
      }*time.Second)\n\tdefer cancel()\n\treq, _ := http.NewRequestWithContext(ctx, "GET", "http://${svc}/x", nil)\n\t_, err := http.DefaultClient.Do(req)\n\treturn err\n}\n${plain(
        'go',
        i,
      ).replace(/^package .*\n/, '')}`;
    case 'java':
      return `package p;\n\nimport java.time.Duration;\n\npublic class ${svc[0].toUpperCase()}${svc.slice(
        1,
      )}Client${i} {\n  @Retryable(maxAttempts = 3)\n  String call(java.net.http.HttpClient http) {\n    var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://${svc}/x")).timeout(Duration.ofMillis(${
        200 + i
      })).build();\n    return req.toString();\n  }\n${plain('java', i)
        .split('\n')
        .slice(3)
        .join('\n')}`;
    case 'kt':
      return `package p\n\nimport kotlinx.coroutines.withTimeout\n\nclass ${svc[0].toUpperCase()}${svc.slice(
        1,
      )}Client${i}(private val ${svc}Api: Api) {\n    suspend fun call() = withTimeout(${
        300 + i
      }L) { ${svc}Api.call() }\n}\n${plain('kt', i)}`;
    case 'cs':
      return `using System;\n\npublic static class Setup${i}\n{\n    public static void Register(IServiceCollection services) =>\n        services.AddHttpClient("${svc}", c => { c.Timeout = TimeSpan.FromMilliseconds(${
        400 + i
      }); }).AddStandardResilienceHandler();\n}\n${plain('cs', i)}`;
    default:
      return `apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: ${svc}-${i}\nspec:\n  http:\n    - route:\n        - destination:\n            host: ${svc}\n      timeout: ${
        (i % 5) + 1
      }s\n      retries:\n        attempts: 2\n`;
  }
}

const EXT: Record<string, string> = {
  ts: 'ts',
  py: 'py',
  go: 'go',
  java: 'java',
  kt: 'kt',
  cs: 'cs',
  yaml: 'yaml',
};
const LANGS = ['ts', 'ts', 'py', 'go', 'java', 'kt', 'cs', 'yaml'];

function generate(root: string, files: number): { bytes: number } {
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const lang = LANGS[i % LANGS.length];
    const dir = path.join(
      root,
      `svc${i % 40}`,
      lang === 'yaml' ? 'deploy' : 'src',
      `m${Math.floor(i / 400)}`,
    );
    fs.mkdirSync(dir, { recursive: true });
    const text = i % 5 === 0 ? client(lang, i) : plain(lang, i);
    bytes += text.length;
    fs.writeFileSync(path.join(dir, `f${i}.${EXT[lang]}`), text);
  }
  // skipped: tests and a vendored folder
  for (let i = 0; i < 50; i++) {
    fs.mkdirSync(path.join(root, 'vendor', 'lib'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'vendor', 'lib', `v${i}.go`),
      client('go', i),
    );
    fs.writeFileSync(
      path.join(root, `svc0`, `client${i}.test.ts`),
      client('ts', i),
    );
  }
  return { bytes };
}

async function bench() {
  const root = fs.mkdtempSync(
    path.join(os.tmpdir(), 'contracts-discover-bench-'),
  );
  try {
    const generated = performance.now();
    const { bytes } = generate(root, FILES);
    process.stdout.write(
      `generated ${FILES} files (${(bytes / 1e6).toFixed(
        1,
      )} MB) in ${Math.round(performance.now() - generated)} ms at ${root}\n`,
    );
    let stdout = '';
    let stderr = '';
    const started = performance.now();
    const code = await main(
      [
        'node',
        'contracts',
        'discover',
        root,
        '--format',
        'json',
        '--service',
        'bench',
      ],
      {
        stdout: t => {
          stdout += t;
        },
        stderr: t => {
          stderr += t;
        },
        cwd: root,
        env: { CONTRACTS_CLI_TIMINGS: '1' },
        isTTY: false,
      },
    );
    const ms = performance.now() - started;
    const facts = JSON.parse(stdout).facts as Array<{
      kind: string;
      language: string;
    }>;
    const byKind: Record<string, number> = {};
    const byLanguage: Record<string, number> = {};
    for (const f of facts) {
      byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
      byLanguage[f.language] = (byLanguage[f.language] ?? 0) + 1;
    }
    process.stdout.write(
      `${stderr}exit ${code}: ${facts.length} facts ${JSON.stringify(
        byKind,
      )} ${JSON.stringify(byLanguage)}\n`,
    );
    process.stdout.write(
      `contracts discover over ${FILES} files: ${(ms / 1000).toFixed(
        1,
      )} s (target < 30 s) ${ms < 30_000 ? 'PASS' : 'FAIL'}\n`,
    );
  } finally {
    if (!KEEP) fs.rmSync(root, { recursive: true, force: true });
  }
}

bench().catch(error => {
  process.stderr.write(`bench-discover: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
