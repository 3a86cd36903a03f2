/*
 * Fixture tests of every extractor. Each fixture marks the facts expected on a line with a
 * trailing `@fact KIND key=value …` comment (several separated by `;`); every other line must
 * give none. So each fixture checks both what is found (recall) and what is not (precision:
 * variables named timeout, ids made outside a retry path, server timeouts, probes…).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiscoveredFact, SourceFile } from './core';
import { extractTypeScript } from './typescript';
import { extractTree, type LanguageAdapter } from './treesitter';
import { python } from './python';
import { go } from './go';
import { java, kotlin } from './jvm';
import { csharp } from './csharp';
import { extractConfig } from './config';

const FIXTURES = path.join(__dirname, '__fixtures__');

interface Expected {
  kind: string;
  line: number;
  ms?: number;
  attempts?: number;
  counts?: string;
  unresolved?: boolean;
  target?: string;
}

/** Reads a fixture folder; `x.ts.txt` is read as `x.ts` (kept out of the type check). */
function fixtures(dir: string): SourceFile[] {
  return fs
    .readdirSync(path.join(FIXTURES, dir))
    .sort()
    .map(name => {
      let text = fs.readFileSync(path.join(FIXTURES, dir, name), 'utf8');
      // JSON has no comments: the marks are removed before reading, lines stay where they are
      if (name.endsWith('.json')) text = text.replace(/\s*\/\/ @fact.*$/gm, '');
      return { path: `${dir}/${name.replace(/\.txt$/, '')}`, text };
    });
}

/** The facts a fixture file marks. */
function expectations(dir: string, name: string): Expected[] {
  const out: Expected[] = [];
  const lines = fs
    .readFileSync(path.join(FIXTURES, dir, name), 'utf8')
    .split('\n');
  lines.forEach((text, i) => {
    // `@fact^N …` marks the line N above (inside a string, where a comment cannot go)
    const mark = /@fact(?:\^(\d+))? (.*)$/.exec(text);
    if (!mark) return;
    const line = i + 1 - Number(mark[1] ?? 0);
    for (const one of mark[2].split(';')) {
      const [kind, ...pairs] = one.trim().split(/\s+/);
      const e: Expected = { kind, line };
      for (const pair of pairs) {
        const [k, v] = pair.split('=');
        if (k === 'ms') e.ms = Number(v);
        else if (k === 'attempts') e.attempts = Number(v);
        else if (k === 'counts') e.counts = v;
        else if (k === 'target') e.target = v === 'none' ? undefined : v;
        else if (k === 'unresolved') e.unresolved = true;
      }
      out.push(e);
    }
  });
  return out;
}

/** What a fact says that a fixture can mark. */
function shape(f: DiscoveredFact): Expected {
  const s: Expected = { kind: f.kind, line: f.line };
  if (f.ms !== undefined) s.ms = f.ms;
  if (f.attempts !== undefined) s.attempts = f.attempts;
  if (f.kind === 'retry' && f.counts) s.counts = f.counts;
  if (
    f.unresolved !== undefined &&
    f.ms === undefined &&
    f.attempts === undefined
  )
    s.unresolved = true;
  s.target = f.target;
  return s;
}

function expectedShape(e: Expected, facts: DiscoveredFact[]): Expected {
  const s: Expected = { kind: e.kind, line: e.line };
  if (e.ms !== undefined) s.ms = e.ms;
  if (e.attempts !== undefined) s.attempts = e.attempts;
  // counts is checked where marked; an unmarked retry takes what was found
  const found = facts.find(f => f.kind === e.kind && f.line === e.line);
  if (e.kind === 'retry') s.counts = e.counts ?? found?.counts;
  if (e.unresolved) s.unresolved = true;
  s.target = e.target;
  return s;
}

const order = (a: Expected, b: Expected) =>
  a.line - b.line || a.kind.localeCompare(b.kind);

/** Per fixture file: the facts found and the facts its marks expect. */
function compare(dir: string, facts: DiscoveredFact[]) {
  const actual: Array<{ file: string; facts: Expected[] }> = [];
  const expected: Array<{ file: string; facts: Expected[] }> = [];
  for (const name of fs.readdirSync(path.join(FIXTURES, dir)).sort()) {
    const file = `${dir}/${name.replace(/\.txt$/, '')}`;
    const found = facts.filter(f => f.file === file);
    actual.push({ file, facts: found.map(shape).sort(order) });
    expected.push({
      file,
      facts: expectations(dir, name)
        .map(e => expectedShape(e, found))
        .sort(order),
    });
  }
  return { actual, expected };
}

function tree(adapter: LanguageAdapter, dir: string) {
  return extractTree(adapter, fixtures(dir));
}

describe('contracts discover extractors', () => {
  it('TypeScript / JavaScript: fetch + AbortSignal, axios + axios-retry, got, p-retry, cockatiel, hand-written loops, constants across files', () => {
    const { actual, expected } = compare(
      'typescript',
      extractTypeScript(fixtures('typescript')),
    );
    expect(actual).toEqual(expected);
  });

  it('Python: requests, httpx, tenacity, backoff, urllib3 Retry, asyncio.wait_for, loops, Django replicas', () => {
    const { actual, expected } = compare('python', tree(python, 'python'));
    expect(actual).toEqual(expected);
  });

  it('Go: context.WithTimeout, http.Client, retry-go, cenkalti/backoff, go-retryablehttp, loops, err handlers', () => {
    const { actual, expected } = compare('go', tree(go, 'go'));
    expect(actual).toEqual(expected);
  });

  it('Java: java.net.http, gRPC deadlines, Spring @Retryable, resilience4j RetryConfig', () => {
    const { actual, expected } = compare('java', tree(java, 'java'));
    expect(actual).toEqual(expected);
  });

  it('Kotlin: withTimeout, Duration units, repeat loops', () => {
    const { actual, expected } = compare('kotlin', tree(kotlin, 'kotlin'));
    expect(actual).toEqual(expected);
  });

  it('C#: AddHttpClient, resilience handlers, Polly, EF Core, CancellationTokenSource', () => {
    const { actual, expected } = compare('csharp', tree(csharp, 'csharp'));
    expect(actual).toEqual(expected);
  });

  it('configuration: Istio, Envoy, Kubernetes env and probes, appsettings.json, Spring application.yaml', () => {
    const { actual, expected } = compare(
      'config',
      extractConfig(fixtures('config')),
    );
    expect(actual).toEqual(expected);
  });

  it('gives the code as written, where it was written, and how the value was read', () => {
    const [timeout] = extractTypeScript(fixtures('typescript')).filter(
      f => f.kind === 'timeout' && f.file === 'typescript/clients.ts',
    );
    expect(timeout).toMatchObject({
      line: 13,
      column: 3,
      written: 'timeout: RISK_TIMEOUT_MS',
      ms: 500,
      resolved: 'constant RISK_TIMEOUT_MS (typescript/config.ts:2)',
      target: 'risk',
      targetFrom: 'URL host risk.internal',
      language: 'typescript',
    });
    const unresolved = tree(python, 'python').find(
      f => f.kind === 'timeout' && f.unresolved,
    );
    expect(unresolved?.unresolved).toBe(
      'not resolvable statically (config key LEDGER_TIMEOUT)',
    );
    expect(unresolved).not.toHaveProperty('ms');
  });
});
