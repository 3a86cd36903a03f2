/*
 * The files `contracts discover` reads: sources by language and shipped configuration, skipping
 * tests, vendored and generated code and build output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsReason, UsageError } from '../errors';

export type FileLanguage =
  | 'typescript'
  | 'python'
  | 'go'
  | 'java'
  | 'kotlin'
  | 'csharp'
  | 'config';

const BY_EXTENSION: Record<string, FileLanguage> = {
  '.ts': 'typescript',
  '.tsx': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.js': 'typescript',
  '.jsx': 'typescript',
  '.mjs': 'typescript',
  '.cjs': 'typescript',
  '.py': 'python',
  '.go': 'go',
  '.java': 'java',
  '.kt': 'kotlin',
  '.kts': 'kotlin',
  '.cs': 'csharp',
  '.yaml': 'config',
  '.yml': 'config',
  '.json': 'config',
};

/** Folders never read: dependencies, vendored code, build output, tests, tooling. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'vendor',
  'vendored',
  'third_party',
  'third-party',
  'thirdparty',
  'external',
  'deps',
  '.git',
  '.hg',
  '.svn',
  '.github',
  '.gitlab',
  '.circleci',
  '.idea',
  '.vscode',
  '.yarn',
  '.venv',
  'venv',
  'env',
  '.tox',
  '.nox',
  '__pycache__',
  'site-packages',
  '.mypy_cache',
  '.pytest_cache',
  'dist',
  'build',
  'out',
  'target',
  'bin',
  'obj',
  '.next',
  '.nuxt',
  'coverage',
  '.gradle',
  '.terraform',
  'test',
  'tests',
  '__tests__',
  '__mocks__',
  '__fixtures__',
  'testdata',
  'testing',
  'spec',
  'specs',
  'e2e',
  'integration-tests',
  'mocks',
  'fixtures',
  'examples-test',
  'docs',
  'doc',
]);

/** Test, generated and minified files. */
const SKIPPED_FILE =
  /(?:\.(?:test|spec|stories|d)\.[cm]?[jt]sx?$|_test\.go$|^test_.*\.py$|_test\.py$|^conftest\.py$|Tests?\.(?:java|kt|cs)$|Spec\.(?:java|kt)$|IT\.java$|\.pb\.go$|_pb2(?:_grpc)?\.py$|\.pb\.(?:cc|h)$|\.generated\.\w+$|\.g\.cs$|\.Designer\.cs$|\.min\.js$|\.bundle\.js$|^(?:package|package-lock|tsconfig\w*|jsconfig|composer|\.eslintrc|\.prettierrc|renovate|catalog-info|mkdocs|tslint|lerna|nx|turbo|angular|babel\.config|jest\.config|openapi|swagger)\b.*\.(?:json|ya?ml)$|\.lock$|lock\.(?:json|ya?ml)$)/i;

/** Larger files are generated or data, not code a team writes by hand. */
const MAX_FILE_BYTES = 1_000_000;

export interface FoundFile {
  /** Absolute. */
  abs: string;
  /** Relative to the root, `/`-separated. */
  rel: string;
  language: FileLanguage;
}

/** Whether a relative path is skipped (a test, vendored, generated, build output). */
export function isSkipped(rel: string): boolean {
  const parts = rel.split('/');
  const name = parts[parts.length - 1];
  if (parts.slice(0, -1).some(dir => SKIPPED_DIRS.has(dir.toLowerCase())))
    return true;
  return SKIPPED_FILE.test(name);
}

/** The files under PATHs, relative to `root`, in a stable order. */
export function findFiles(paths: string[], root: string): FoundFile[] {
  const out: FoundFile[] = [];
  const seen = new Set<string>();
  const visit = (abs: string, top: boolean) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch (error) {
      if (top)
        throw new UsageError(
          `${path.relative(root, abs) || abs}: cannot read it: ${fsReason(
            error,
          )}`,
        );
      return;
    }
    const rel =
      path.relative(root, abs).split(path.sep).join('/') || path.basename(abs);
    if (stat.isDirectory()) {
      if (!top && SKIPPED_DIRS.has(path.basename(abs).toLowerCase())) return;
      let names: string[];
      try {
        names = fs.readdirSync(abs).sort();
      } catch {
        return;
      }
      for (const name of names) visit(path.join(abs, name), false);
      return;
    }
    if (!stat.isFile() || seen.has(abs)) return;
    const language = BY_EXTENSION[path.extname(abs).toLowerCase()];
    if (!language || stat.size > MAX_FILE_BYTES) return;
    if (!top && isSkipped(rel)) return;
    seen.add(abs);
    out.push({ abs, rel, language });
  };
  for (const p of paths) visit(path.resolve(root, p), true);
  return out;
}
