/*
 * TypeScript and JavaScript, read with the TypeScript compiler API (one syntax tree per file,
 * no type checker: a 5,000-file repository parses in seconds, and a program would need its
 * tsconfig and dependencies). Constants are followed within the file and through relative
 * imports (see `constants`).
 */
import type * as TS from 'typescript';

/**
 * The compiler, loaded on first use: `contracts check` and `diff` never pay for it, nor does a
 * repository without TypeScript or JavaScript.
 */
let ts: typeof TS;
function compiler(): typeof TS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ts ??= require('typescript');
  return ts;
}
import {
  type DiscoveredFact,
  fact,
  firstTarget,
  NO_TARGET,
  oneLine,
  parseDurationString,
  REPLICA_NAME,
  type Resolved,
  serviceFromConfigKey,
  serviceFromIdentifier,
  serviceFromUrl,
  type SourceFile,
  type Target,
  withAttempts,
  withDuration,
  databaseFromName,
} from './core';
import { serviceConfigInString } from './config';

/** Property names of client timeouts, in milliseconds (HTTP, gRPC, databases, brokers). */
const TIMEOUT_KEY =
  /^(?:timeout|timeoutMs|timeoutMillis|timeoutInMs|requestTimeout|requestTimeoutMs|responseTimeout|connectTimeout|connectTimeoutMs|connectTimeoutMS|connectionTimeout|connectionTimeoutMillis|socketTimeout|socketTimeoutMS|serverSelectionTimeoutMS|headersTimeout|bodyTimeout|commandTimeout|query_timeout|statement_timeout|readTimeout|writeTimeout|callTimeout|deadline)$/;
/** got's `timeout: { request, connect, … }`. */
const GOT_TIMEOUT_PHASE =
  /^(?:request|connect|response|socket|lookup|send|secureConnect|read)$/;
/** Calls whose `timeout` option is no client timeout. */
const NOT_A_CLIENT =
  /(?:^|\.)(?:setTimeout|setInterval|sleep|delay|wait|waitFor|waitForTimeout|waitForSelector|waitUntil|expect|it|test|describe|beforeAll|afterAll|beforeEach|afterEach|jest\.setTimeout|spawn|exec|execSync|spawnSync|execFile|listen|createServer|lock|acquire|setup|configure|defineConfig|cache|memoize|debounce|throttle|cron|schedule)$/;
/** Schema and config builders: `z.object({ timeout: z.number() })` declares a field, not a timeout. */
const SCHEMA_BUILDER =
  /^(?:z|zod|yup|Joi|joi|t|S|Type|v|convict|envalid)\.|(?:^|\.)(?:object|shape|extend|struct|Struct|Schema|schema|registerAs|defineConfig|cleanEnv|createEnv)$/;
const UUID_CALL =
  /^(?:(?:crypto|globalThis\.crypto|webcrypto|nodeCrypto)\.)?randomUUID$|^(?:uuid\.)?(?:v4|v1|v7|uuidv4|uuidV4|uuidv1|uuidv7)$|^uuid$|^(?:nanoid|ulid|cuid|cuid2|createId|generateId|shortid\.generate|objectid|ObjectId)$/;
const IDEMPOTENCY_HEADER =
  /^(?:x-)?(?:idempotency[-_]?key|request[-_]?id|idempotent[-_]?key|dedup(?:e|lication)?[-_]?(?:key|id))$/i;
const DATA_VERB =
  /^(?:query|execute|exec|select|find\w*|get\w*|all|one|many|oneOrNone|manyOrNone|any|raw|\$queryRaw\w*|\$queryRawUnsafe|fetch\w*|aggregate|count|search|scan|read\w*|from|table|collection|where)$/;
/** Names of variables that hold a client (a service's name in them names the callee). */
const CLIENTISH =
  /client|api|svc|service|stub|http|gateway|conn|channel|session|sdk|proxy/i;
const RETRY_FN =
  /^(?:pRetry|retry|asyncRetry|promiseRetry|backoff|retryAsync|withRetry|withRetries|retrying)$/;

/** A relative import's module, for constants. */
interface ModuleConstants {
  /** name → value text node and where */
  values: Map<string, { node: TS.Expression; line: number }>;
  /** local name → imported module path (resolved) and imported name */
  imports: Map<string, { from: string; name: string }>;
  file: TS.SourceFile;
  path: string;
}

/** The files of the scan, parsed once; constants resolved across relative imports. */
export class TsProject {
  private readonly modules = new Map<string, ModuleConstants>();

  constructor(files: SourceFile[]) {
    for (const f of files) this.modules.set(f.path, this.read(f));
  }

  get files(): ModuleConstants[] {
    return [...this.modules.values()];
  }

  private read(f: SourceFile): ModuleConstants {
    let kind = ts.ScriptKind.TS;
    if (/\.(?:tsx|jsx)$/.test(f.path)) kind = ts.ScriptKind.TSX;
    else if (/\.(?:js|mjs|cjs)$/.test(f.path)) kind = ts.ScriptKind.JS;
    const file = ts.createSourceFile(
      f.path,
      f.text,
      ts.ScriptTarget.Latest,
      true,
      kind,
    );
    const values = new Map<string, { node: TS.Expression; line: number }>();
    const imports = new Map<string, { from: string; name: string }>();
    for (const statement of file.statements) {
      if (ts.isVariableStatement(statement)) {
        if (!(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
        for (const d of statement.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.initializer) {
            values.set(d.name.text, {
              node: d.initializer,
              line: line(file, d.name),
            });
          }
        }
      } else if (
        ts.isImportDeclaration(statement) &&
        ts.isStringLiteral(statement.moduleSpecifier) &&
        statement.moduleSpecifier.text.startsWith('.') &&
        statement.importClause?.namedBindings &&
        ts.isNamedImports(statement.importClause.namedBindings)
      ) {
        const from = resolveModule(f.path, statement.moduleSpecifier.text);
        for (const el of statement.importClause.namedBindings.elements) {
          imports.set(el.name.text, {
            from,
            name: (el.propertyName ?? el.name).text,
          });
        }
      }
    }
    return { values, imports, file, path: f.path };
  }

  /** The module at a path without extension, as an import names it. */
  module(base: string): ModuleConstants | undefined {
    for (const ext of [
      '',
      '.ts',
      '.tsx',
      '.js',
      '.mjs',
      '.cjs',
      '.jsx',
      '/index.ts',
      '/index.js',
    ]) {
      const m = this.modules.get(base + ext);
      if (m) return m;
    }
    return undefined;
  }

  /** The constant an identifier names, in its file or through a relative import. */
  constant(
    mod: ModuleConstants,
    name: string,
    depth = 0,
  ): { node: TS.Expression; mod: ModuleConstants; line: number } | undefined {
    if (depth > 4) return undefined;
    const local = mod.values.get(name);
    if (local) return { ...local, mod };
    const imported = mod.imports.get(name);
    if (imported) {
      const target = this.module(imported.from.replace(/\.(?:js|ts)$/, ''));
      if (target) return this.constant(target, imported.name, depth + 1);
    }
    return undefined;
  }
}

function resolveModule(from: string, spec: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

function line(file: TS.SourceFile, node: TS.Node): number {
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
}

function position(file: TS.SourceFile, node: TS.Node) {
  const p = file.getLineAndCharacterOfPosition(node.getStart(file));
  return { line: p.line + 1, column: p.character + 1 };
}

/** The text of a callee: `axios.create`, `this.riskClient.post`. */
function calleeText(expr: TS.Expression, file: TS.SourceFile): string {
  return expr.getText(file).replace(/\s+/g, '').replace(/\?\./g, '.');
}

function propName(name: TS.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** Where in a retry the walk is. */
type RetryPath = 'loop' | 'callback' | 'catch' | undefined;

class FileWalker {
  readonly facts: DiscoveredFact[] = [];
  private readonly file: TS.SourceFile;
  private readonly language: string;
  /** Identifiers passed as call arguments (an options object declared apart). */
  private readonly passed = new Set<string>();

  constructor(
    private readonly project: TsProject,
    private readonly mod: ModuleConstants,
  ) {
    this.file = mod.file;
    this.language = /\.(?:m|c)?jsx?$/.test(mod.path)
      ? 'javascript'
      : 'typescript';
  }

  run(): DiscoveredFact[] {
    const collect = (node: TS.Node): void => {
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        for (const arg of node.arguments ?? [])
          if (ts.isIdentifier(arg)) this.passed.add(arg.text);
      }
      ts.forEachChild(node, collect);
    };
    collect(this.file);
    this.walk(this.file, undefined);
    return this.facts;
  }

  private add(
    kind: DiscoveredFact['kind'],
    node: TS.Node,
    written: TS.Node,
    parts: Partial<DiscoveredFact>,
  ) {
    this.facts.push(
      fact(
        kind,
        this.mod.path,
        position(this.file, node),
        written.getText(this.file),
        this.language,
        parts,
      ),
    );
  }

  private walk(node: TS.Node, retry: RetryPath): void {
    if (ts.isCallExpression(node)) {
      this.call(node, retry);
      const callee = calleeText(node.expression, this.file);
      const last = callee.split('.').pop() ?? '';
      // the function given to a retry helper, a policy's execute(), is a retry path
      if (
        RETRY_FN.test(last) ||
        (/^(?:execute|run|call)$/.test(last) && /retry|polic/i.test(callee))
      ) {
        ts.forEachChild(node, child =>
          this.walk(
            child,
            ts.isArrowFunction(child) || ts.isFunctionExpression(child)
              ? 'callback'
              : retry,
          ),
        );
        return;
      }
    } else if (ts.isNewExpression(node)) {
      this.newExpression(node);
    } else if (
      ts.isPropertyAssignment(node) ||
      ts.isShorthandPropertyAssignment(node)
    ) {
      this.property(node);
    } else if (ts.isBinaryExpression(node)) {
      this.assignment(node);
    } else if (
      ts.isForStatement(node) ||
      ts.isWhileStatement(node) ||
      ts.isDoStatement(node)
    ) {
      if (this.loop(node)) {
        ts.forEachChild(node, child => this.walk(child, 'loop'));
        return;
      }
    } else if (ts.isCatchClause(node)) {
      ts.forEachChild(node, child => this.walk(child, retry ?? 'catch'));
      return;
    } else if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node)
    ) {
      this.stringLiteral(node);
    }
    ts.forEachChild(node, child => this.walk(child, retry));
  }

  // ---- values ---------------------------------------------------------------------------

  /** A number in milliseconds: literals, arithmetic, constants, `ms('2s')`, `Date.now() + x`. */
  ms(expr: TS.Expression, mod = this.mod, depth = 0): Resolved {
    if (depth > 6) return { why: 'not resolvable statically (too deep)' };
    const e = skipParens(expr);
    if (ts.isNumericLiteral(e))
      return { value: Number(e.text.replace(/_/g, '')), how: 'literal' };
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
      const d = parseDurationString(e.text);
      if (d !== undefined) return { value: d, how: `${e.text} → ${d} ms` };
      if (/^\d+(?:\.\d+)?$/.test(e.text))
        return { value: Number(e.text), how: 'literal' };
      return {
        why: `not resolvable statically (${oneLine(e.getText(mod.file))})`,
      };
    }
    if (
      ts.isPrefixUnaryExpression(e) &&
      e.operator === ts.SyntaxKind.MinusToken
    ) {
      return { why: 'negative' };
    }
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (
        op === ts.SyntaxKind.QuestionQuestionToken ||
        op === ts.SyntaxKind.BarBarToken
      ) {
        const left = this.ms(e.left, mod, depth + 1);
        if (left.value !== undefined) return left;
        const right = this.ms(e.right, mod, depth + 1);
        return {
          why: `${left.why ?? 'not resolvable statically'}${
            right.value !== undefined ? `, default ${right.value} ms` : ''
          }`,
        };
      }
      // Date.now() + 500 (a deadline)
      if (
        op === ts.SyntaxKind.PlusToken &&
        /^(?:Date\.now\(\)|new Date\(\)\.getTime\(\)|performance\.now\(\))$/.test(
          e.left.getText(mod.file).replace(/\s+/g, ''),
        )
      ) {
        const r = this.ms(e.right, mod, depth + 1);
        return r.value !== undefined
          ? { value: r.value, how: `deadline now + ${r.value} ms` }
          : r;
      }
      const l = this.ms(e.left, mod, depth + 1);
      const r = this.ms(e.right, mod, depth + 1);
      if (l.value === undefined) return l;
      if (r.value === undefined) return r;
      const how =
        [l.how, r.how].filter(h => h && h !== 'literal').join(', ') ||
        'literal';
      switch (op) {
        case ts.SyntaxKind.AsteriskToken:
          return { value: l.value * r.value, how };
        case ts.SyntaxKind.PlusToken:
          return { value: l.value + r.value, how };
        case ts.SyntaxKind.MinusToken:
          return { value: l.value - r.value, how };
        case ts.SyntaxKind.SlashToken:
          return r.value
            ? { value: l.value / r.value, how }
            : { why: 'division by zero' };
        default:
          return {
            why: `not resolvable statically (${oneLine(e.getText(mod.file))})`,
          };
      }
    }
    if (ts.isIdentifier(e)) {
      const c = this.project.constant(mod, e.text);
      if (c) {
        const r = this.ms(c.node, c.mod, depth + 1);
        if (r.value !== undefined) {
          return {
            value: r.value,
            how: `constant ${e.text} (${c.mod.path}:${c.line})`,
          };
        }
        return r;
      }
      const key = serviceFromConfigKey(e.text) ? e.text : undefined;
      return {
        why: `not resolvable statically (${
          key ? `value of ${key}` : `variable ${e.text}`
        })`,
      };
    }
    const env = envKey(e, mod.file);
    if (env) return { why: `not resolvable statically (config key ${env})` };
    if (ts.isCallExpression(e)) {
      const callee = calleeText(e.expression, mod.file);
      const arg = e.arguments[0];
      if (
        /^(?:Number|parseInt|parseFloat|Math\.round|Math\.floor|Math\.ceil)$/.test(
          callee,
        ) &&
        arg
      ) {
        return this.ms(arg, mod, depth + 1);
      }
      if (/^(?:ms|parseDuration|toMs|durationToMs)$/.test(callee) && arg) {
        const r = this.ms(arg, mod, depth + 1);
        return r;
      }
      if (/^(?:AbortSignal\.timeout)$/.test(callee) && arg)
        return this.ms(arg, mod, depth + 1);
    }
    if (ts.isPropertyAccessExpression(e)) {
      return {
        why: `not resolvable statically (value of ${e.getText(mod.file)})`,
      };
    }
    return {
      why: `not resolvable statically (${oneLine(e.getText(mod.file), 60)})`,
    };
  }

  count(expr: TS.Expression): Resolved {
    const r = this.ms(expr);
    if (r.value !== undefined) return { value: r.value, how: r.how };
    return r;
  }

  // ---- targets --------------------------------------------------------------------------

  /** The service a URL expression names: a literal, a template over a config value, a constant. */
  urlTarget(expr: TS.Expression | undefined, depth = 0): Target | undefined {
    if (!expr || depth > 4) return undefined;
    const e = skipParens(expr);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
      return serviceFromUrl(e.text);
    }
    if (ts.isTemplateExpression(e)) {
      if (e.head.text) {
        const t = serviceFromUrl(e.head.text);
        if (t) return t;
      }
      return this.urlTarget(e.templateSpans[0]?.expression, depth + 1);
    }
    if (ts.isBinaryExpression(e)) {
      if (
        e.operatorToken.kind === ts.SyntaxKind.PlusToken ||
        e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        e.operatorToken.kind === ts.SyntaxKind.BarBarToken
      ) {
        return firstTarget(
          this.urlTarget(e.left, depth + 1),
          this.urlTarget(e.right, depth + 1),
        );
      }
    }
    const env = envKey(e, this.file);
    if (env) {
      const target = serviceFromConfigKey(env);
      return target
        ? { target, targetFrom: `config key ${env}` }
        : { targetFrom: `config key ${env} names no service` };
    }
    if (ts.isIdentifier(e)) {
      const c = this.project.constant(this.mod, e.text);
      const viaConstant = c && this.urlTarget(c.node, depth + 1);
      if (viaConstant?.target) return viaConstant;
      const target = serviceFromConfigKey(e.text);
      if (target) return { target, targetFrom: `config value ${e.text}` };
      return viaConstant;
    }
    if (ts.isPropertyAccessExpression(e)) {
      const target = serviceFromConfigKey(e.name.text);
      if (target)
        return { target, targetFrom: `config value ${e.getText(this.file)}` };
    }
    if (
      ts.isNewExpression(e) &&
      /^URL$/.test(e.expression.getText(this.file))
    ) {
      return firstTarget(
        this.urlTarget(e.arguments?.[1], depth + 1),
        this.urlTarget(e.arguments?.[0], depth + 1),
      );
    }
    return undefined;
  }

  /** The target of a call: its URL argument, a `baseURL`/`url` option, the client's name. */
  callTarget(call: TS.CallExpression | TS.NewExpression): Target | undefined {
    const args = call.arguments ?? ts.factory.createNodeArray();
    const hints: Array<Target | undefined> = [];
    for (const arg of args) {
      if (ts.isObjectLiteralExpression(arg)) {
        for (const p of arg.properties) {
          if (
            ts.isPropertyAssignment(p) &&
            /^(?:baseURL|baseUrl|url|uri|prefixUrl|host|hostname|origin|endpoint|address|target|connectionString|brokers)$/.test(
              propName(p.name) ?? '',
            )
          ) {
            hints.push(
              this.urlTarget(
                ts.isArrayLiteralExpression(p.initializer)
                  ? p.initializer.elements[0]
                  : p.initializer,
              ) ?? this.hostTarget(p.initializer),
            );
          }
        }
      } else {
        hints.push(this.urlTarget(arg));
      }
    }
    // riskClient.post(...), this.risk.score(...), new RiskServiceClient(...)
    const callee = ts.isNewExpression(call)
      ? call.expression.getText(this.file)
      : calleeText(call.expression, this.file);
    const parts = callee.split('.');
    const receiver = ts.isNewExpression(call)
      ? parts[parts.length - 1]
      : parts
          .slice(0, -1)
          .reverse()
          .find(p => CLIENTISH.test(p) && serviceFromIdentifier(p));
    const fromName = receiver && serviceFromIdentifier(receiver);
    if (fromName)
      hints.push({ target: fromName, targetFrom: `client ${receiver}` });
    // const riskApi = axios.create(...)
    const holder = assignedName(call);
    const fromHolder =
      holder && CLIENTISH.test(holder)
        ? serviceFromIdentifier(holder)
        : undefined;
    if (fromHolder)
      hints.push({ target: fromHolder, targetFrom: `client ${holder}` });
    return firstTarget(...hints);
  }

  private hostTarget(expr: TS.Expression): Target | undefined {
    if (ts.isStringLiteral(expr)) {
      const host = expr.text.split(':')[0];
      const name = serviceFromIdentifier(host.split('.')[0]);
      if (name) return { target: name, targetFrom: `host ${host}` };
    }
    return undefined;
  }

  /** The target of the call a node sits in (an option of `fetch(url, {...})`), else of the enclosing function's calls. */
  enclosingTarget(node: TS.Node): Target {
    for (let p: TS.Node | undefined = node.parent; p; p = p.parent) {
      if (
        (ts.isCallExpression(p) || ts.isNewExpression(p)) &&
        !this.ignorable(p)
      ) {
        const t = this.callTarget(p);
        if (t?.target) return t;
      }
      if (
        ts.isVariableDeclaration(p) &&
        ts.isIdentifier(p.name) &&
        CLIENTISH.test(p.name.text)
      ) {
        const name = serviceFromIdentifier(p.name.text);
        if (name) return { target: name, targetFrom: `client ${p.name.text}` };
      }
      if (isFunctionLike(p)) {
        return this.functionTarget(p) ?? NO_TARGET;
      }
    }
    return NO_TARGET;
  }

  /** The one service the calls of a function go to, when they go to exactly one. */
  functionTarget(fn: TS.Node): Target | undefined {
    const found = new Map<string, Target>();
    const visit = (n: TS.Node) => {
      if (ts.isCallExpression(n) && !this.ignorable(n)) {
        const t = this.callTarget(n);
        if (t?.target && !found.has(t.target)) found.set(t.target, t);
      }
      ts.forEachChild(n, visit);
    };
    visit(fn);
    if (found.size === 1) return [...found.values()][0];
    if (found.size > 1)
      return {
        targetFrom: `several services called here (${[...found.keys()].join(
          ', ',
        )})`,
      };
    // a method: the class's name (RiskClient)
    const cls = findAncestor(fn, ts.isClassLike);
    const name = cls?.name?.text && serviceFromIdentifier(cls.name.text);
    if (name) return { target: name, targetFrom: `class ${cls!.name!.text}` };
    const fnName = functionName(fn);
    const fromFn =
      fnName && /client|api|call/i.test(fnName)
        ? serviceFromIdentifier(fnName)
        : undefined;
    if (fromFn) return { target: fromFn, targetFrom: `function ${fnName}` };
    return undefined;
  }

  private ignorable(call: TS.CallExpression | TS.NewExpression): boolean {
    const callee = ts.isNewExpression(call)
      ? call.expression.getText(this.file)
      : calleeText(call.expression, this.file);
    return /^(?:JSON\.|console\.|Math\.|Object\.|Array\.|Promise\.|String|Number|AbortSignal|setTimeout|clearTimeout|logger\.|log\.)/.test(
      callee,
    );
  }

  // ---- detectors --------------------------------------------------------------------------

  private call(node: TS.CallExpression, retry: RetryPath) {
    const callee = calleeText(node.expression, this.file);
    const last = callee.split('.').pop() ?? '';
    const args = node.arguments;
    if (callee === 'AbortSignal.timeout' && args[0]) {
      this.add('timeout', node, node, {
        ...withDuration(this.ms(args[0])),
        library: 'AbortSignal.timeout',
        ...this.enclosingTarget(node),
      });
      return;
    }
    if (/^(?:setTimeout)$/.test(callee) && args.length >= 2) {
      const body = args[0].getText(this.file);
      if (/\.abort\s*\(/.test(body) || /\bcancel\s*\(/.test(body)) {
        this.add('timeout', node, node, {
          ...withDuration(this.ms(args[1])),
          library: 'AbortController',
          ...this.enclosingTarget(node),
        });
      }
      return;
    }
    if (UUID_CALL.test(callee)) {
      if (retry) {
        this.add('new-id-in-retry', node, node, {
          library: callee,
          ...this.enclosingTarget(node),
        });
      }
      return;
    }
    if (/^(?:axiosRetry|axios_retry)$/.test(callee)) {
      const opts =
        args[1] && ts.isObjectLiteralExpression(args[1]) ? args[1] : undefined;
      const retries = opts && objectProp(opts, 'retries');
      const client =
        args[0] && ts.isIdentifier(args[0]) ? args[0].text : undefined;
      const t = client ? serviceFromIdentifier(client) : undefined;
      this.add('retry', node, node, {
        ...(retries
          ? withAttempts(this.count(retries), 'retries')
          : {
              counts: 'retries' as const,
              unresolved: 'library default (axios-retry: 3 retries)',
            }),
        library: 'axios-retry',
        ...(t
          ? { target: t, targetFrom: `client ${client}` }
          : this.enclosingTarget(node)),
      });
      return;
    }
    if (/^(?:pRetry|retry|asyncRetry|promiseRetry)$/.test(callee) && args[0]) {
      // cockatiel: retry(handleAll, { maxAttempts }); p-retry / async-retry: retry(fn, { retries })
      const opts =
        args[1] && ts.isObjectLiteralExpression(args[1]) ? args[1] : undefined;
      const isCockatiel =
        !isFunctionLike(args[0]) &&
        /^(?:handle\w*|Policy\.\w+)/.test(args[0].getText(this.file));
      const LIBRARIES: Record<string, string> = {
        pRetry: 'p-retry',
        promiseRetry: 'promise-retry',
      };
      const library = isCockatiel
        ? 'cockatiel'
        : LIBRARIES[callee] ?? 'async-retry';
      const key = isCockatiel ? 'maxAttempts' : 'retries';
      const value = opts && objectProp(opts, key);
      const target = isFunctionLike(args[0])
        ? this.functionTarget(args[0]) ?? NO_TARGET
        : this.enclosingTarget(node);
      if (!isCockatiel && !isFunctionLike(args[0])) return;
      this.add('retry', node, node, {
        ...(value
          ? withAttempts(this.count(value), 'retries')
          : {
              counts: 'retries' as const,
              unresolved: `library default (${library}${
                library === 'cockatiel' ? '' : ': 10 retries'
              })`,
            }),
        library,
        ...target,
      });
      return;
    }
    // headers.set('Idempotency-Key', …), req.get('Idempotency-Key'), req.header(...)
    if (
      /^(?:set|append|get|header|setHeader|getHeader)$/.test(last) &&
      args[0] &&
      ts.isStringLiteral(args[0]) &&
      IDEMPOTENCY_HEADER.test(args[0].text)
    ) {
      this.add('idempotency-key', node, node, {
        library: `${
          last === 'set' || last === 'append' || last === 'setHeader'
            ? 'sent'
            : 'read'
        } header ${args[0].text}`,
        ...(/^(?:set|append|setHeader)$/.test(last)
          ? this.enclosingTarget(node)
          : { targetFrom: 'checked by this service' }),
      });
      return;
    }
    // db.replica.query(...), replicaPool.query(...), prisma.$replica()...
    if (DATA_VERB.test(last) || /^\$replica/.test(last)) {
      const receiver = callee.split('.').slice(0, -1).join('.');
      if (REPLICA_NAME.test(kebabish(receiver)) || /^\$replica/.test(last)) {
        const db = receiver
          .split('.')
          .map(p => databaseFromName(p))
          .find(Boolean);
        this.add('replica-read', node, node.expression, {
          library: 'replica connection',
          ...(db
            ? { target: db, targetFrom: `connection ${receiver}` }
            : { targetFrom: `connection ${receiver} names no database` }),
        });
      }
    }
  }

  private newExpression(node: TS.NewExpression) {
    const callee = node.expression.getText(this.file);
    // pg/mysql pools built on a replica's address
    if (
      /^(?:Pool|Client|Sequelize|Knex|PrismaClient|MongoClient)$/.test(
        callee.split('.').pop() ?? '',
      )
    ) {
      const text = node.getText(this.file);
      const m =
        /\b([A-Z0-9_]*(?:REPLICA|READONLY|READ_ONLY|READER)[A-Z0-9_]*)\b/.exec(
          text,
        );
      if (m) {
        const db = databaseFromName(m[1]);
        this.add('replica-read', node, node, {
          library: `${callee} on a replica`,
          ...(db
            ? { target: db, targetFrom: `config key ${m[1]}` }
            : { targetFrom: `config key ${m[1]} names no database` }),
        });
      }
    }
  }

  /** `{ timeout: 500 }` in the options of a call, `{ retry: { limit: 2 } }`, headers. */
  private property(
    node: TS.PropertyAssignment | TS.ShorthandPropertyAssignment,
  ) {
    const key = propName(node.name);
    if (!key) return;
    const value = ts.isPropertyAssignment(node) ? node.initializer : node.name;
    const obj = node.parent;
    if (!ts.isObjectLiteralExpression(obj)) return;
    if (
      IDEMPOTENCY_HEADER.test(key) &&
      /-|_/.test(key) &&
      this.inHeaders(obj)
    ) {
      this.add('idempotency-key', node, node, {
        library: `sent header ${key}`,
        ...this.enclosingTarget(node),
      });
      return;
    }
    const owner = this.optionsOwner(obj);
    if (!owner) return;
    const ownerCallee = ts.isNewExpression(owner.call)
      ? owner.call.expression.getText(this.file)
      : calleeText(owner.call.expression, this.file);
    if (NOT_A_CLIENT.test(ownerCallee) || SCHEMA_BUILDER.test(ownerCallee))
      return;
    // the options of a retry helper are read with the helper's call
    if (
      /^(?:axiosRetry|axios_retry|pRetry|retry|asyncRetry|promiseRetry)$/.test(
        ownerCallee,
      )
    )
      return;
    const target = () =>
      firstTarget(
        this.callTarget(owner.call),
        this.enclosingTarget(owner.call),
      ) ?? NO_TARGET;
    if (TIMEOUT_KEY.test(key) && !owner.nested) {
      if (ts.isObjectLiteralExpression(value)) return; // got: read the phases
      this.add('timeout', node, node, {
        ...withDuration(this.ms(value)),
        library: libraryOf(ownerCallee),
        ...target(),
      });
      return;
    }
    if (owner.nested === 'timeout' && GOT_TIMEOUT_PHASE.test(key)) {
      this.add('timeout', node, node, {
        ...withDuration(this.ms(value)),
        library: `${libraryOf(ownerCallee)} timeout.${key}`,
        ...target(),
      });
      return;
    }
    // got / ky: retry: 2 or retry: { limit: 2 }; grpc retryPolicy: { maxAttempts }; AWS SDK maxAttempts
    if (
      !owner.nested &&
      /^(?:retry|retries|maxRetries)$/.test(key) &&
      !ts.isObjectLiteralExpression(value)
    ) {
      if (
        ts.isObjectLiteralExpression(value) ||
        value.kind === ts.SyntaxKind.TrueKeyword ||
        value.kind === ts.SyntaxKind.FalseKeyword
      )
        return;
      this.add('retry', node, node, {
        ...withAttempts(this.count(value), 'retries'),
        library: libraryOf(ownerCallee),
        ...target(),
      });
      return;
    }
    if (
      owner.nested === 'retry' &&
      /^(?:limit|retries|maxRetries)$/.test(key)
    ) {
      this.add('retry', node, node, {
        ...withAttempts(this.count(value), 'retries'),
        library: `${libraryOf(ownerCallee)} retry.${key}`,
        ...target(),
      });
      return;
    }
    if (
      /^(?:maxAttempts)$/.test(key) &&
      (owner.nested === 'retryPolicy' || !owner.nested) &&
      !/retry$/.test(ownerCallee)
    ) {
      this.add('retry', node, node, {
        ...withAttempts(this.count(value), 'all-tries'),
        library:
          owner.nested === 'retryPolicy'
            ? 'gRPC retry policy'
            : libraryOf(ownerCallee),
        ...target(),
      });
    }
  }

  /** `client.defaults.timeout = 500`, `req.timeout = 500`. */
  private assignment(node: TS.BinaryExpression) {
    if (node.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
    if (!ts.isPropertyAccessExpression(node.left)) return;
    const key = node.left.name.text;
    if (!/^(?:timeout|requestTimeout|connectTimeout)$/.test(key)) return;
    const receiver = node.left.expression.getText(this.file);
    const who = receiver
      .split('.')
      .find(p => serviceFromIdentifier(p) && p !== 'defaults');
    const target = who
      ? { target: serviceFromIdentifier(who)!, targetFrom: `client ${who}` }
      : this.enclosingTarget(node);
    this.add('timeout', node, node, {
      ...withDuration(this.ms(node.right)),
      library: `${receiver}.${key}`,
      ...target,
    });
  }

  /** A hand-written retry loop: a loop whose body catches a failed call and goes round again. */
  private loop(
    node: TS.ForStatement | TS.WhileStatement | TS.DoStatement,
  ): boolean {
    const body = node.statement;
    let hasTry = false;
    let hasCall = false;
    const visit = (n: TS.Node) => {
      if (ts.isTryStatement(n) && n.catchClause) hasTry = true;
      if (
        ts.isAwaitExpression(n) ||
        (ts.isCallExpression(n) &&
          /\.then$|\.catch$/.test(calleeText(n.expression, this.file)))
      )
        hasCall = true;
      if (!isFunctionLike(n)) ts.forEachChild(n, visit);
    };
    visit(body);
    const condition = ts.isForStatement(node)
      ? node.condition
      : node.expression;
    const counter = condition?.getText(this.file) ?? '';
    const named = /attempt|retr|tries|try/i.test(counter);
    if (!(hasTry && hasCall) && !(named && hasCall)) return false;
    if (!named && !hasTry) return false;
    let attempts: Resolved = { why: 'not resolvable statically (loop bound)' };
    let counts: 'all-tries' | 'retries' = 'all-tries';
    if (
      ts.isForStatement(node) &&
      condition &&
      ts.isBinaryExpression(condition)
    ) {
      const init =
        node.initializer && ts.isVariableDeclarationList(node.initializer)
          ? node.initializer.declarations[0]?.initializer
          : undefined;
      const start = init ? this.count(init) : { value: 0 };
      const bound = this.count(condition.right);
      const op = condition.operatorToken.kind;
      if (start.value !== undefined && bound.value !== undefined) {
        let n: number | undefined;
        if (op === ts.SyntaxKind.LessThanEqualsToken)
          n = bound.value - start.value + 1;
        else if (op === ts.SyntaxKind.LessThanToken)
          n = bound.value - start.value;
        if (n !== undefined) attempts = { value: n, how: bound.how };
      } else if (bound.value === undefined) {
        attempts = bound;
      }
      if (/retr/i.test(condition.left.getText(this.file))) counts = 'retries';
    } else if (
      condition &&
      ts.isBinaryExpression(condition) &&
      /^(?:<|<=)$/.test(condition.operatorToken.getText(this.file))
    ) {
      const bound = this.count(condition.right);
      if (bound.value !== undefined) {
        attempts = {
          value:
            condition.operatorToken.kind === ts.SyntaxKind.LessThanEqualsToken
              ? bound.value + 1
              : bound.value,
          how: `${bound.how}, a counter from 0`,
        };
        if (/retr/i.test(condition.left.getText(this.file))) counts = 'retries';
      } else attempts = bound;
    }
    let head = ts.isWhileStatement(node)
      ? `while (${counter})`
      : `do … while (${counter})`;
    if (ts.isForStatement(node))
      head = this.file.text
        .slice(node.getStart(this.file), node.statement.getStart(this.file))
        .trim();
    this.facts.push(
      fact(
        'retry',
        this.mod.path,
        position(this.file, node),
        head,
        this.language,
        {
          ...withAttempts(attempts, counts),
          library: 'hand-written loop',
          ...(this.functionTarget(body) ?? NO_TARGET),
        },
      ),
    );
    return true;
  }

  private stringLiteral(
    node: TS.StringLiteral | TS.NoSubstitutionTemplateLiteral,
  ) {
    if (node.text.includes('"methodConfig"')) {
      const p = position(this.file, node);
      this.facts.push(
        ...serviceConfigInString(
          { path: this.mod.path, text: this.file.text },
          node.text,
          { line: p.line, column: p.column },
          this.language,
        ),
      );
      return;
    }
    // a dedupe by request id in SQL: ON CONFLICT (idempotency_key) DO NOTHING
    const m =
      /ON\s+CONFLICT\s*\(\s*([a-z_]*(?:idempotency|request_id|dedup)[a-z_]*)\s*\)/i.exec(
        node.text,
      );
    if (m) {
      this.add('idempotency-key', node, node, {
        library: `dedupe on ${m[1]}`,
        targetFrom: 'checked by this service',
      });
      return;
    }
    // req.headers['idempotency-key']: a key this service reads
    if (
      ts.isElementAccessExpression(node.parent) &&
      node.parent.argumentExpression === node &&
      /headers$/i.test(node.parent.expression.getText(this.file)) &&
      IDEMPOTENCY_HEADER.test(node.text) &&
      /-/.test(node.text)
    ) {
      this.add('idempotency-key', node.parent, node.parent, {
        library: `read header ${node.text}`,
        targetFrom: 'checked by this service',
      });
    }
  }

  /** Whether an object literal is the `headers` of a request. */
  private inHeaders(obj: TS.ObjectLiteralExpression): boolean {
    const p = obj.parent;
    if (ts.isPropertyAssignment(p))
      return /^headers$/i.test(propName(p.name) ?? '');
    if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name))
      return /headers/i.test(p.name.text);
    if (ts.isNewExpression(p))
      return /Headers/.test(p.expression.getText(this.file));
    return false;
  }

  /**
   * The call an options object belongs to: it is an argument (or nested under `timeout` /
   * `retry` / `retryPolicy` in one), or it initializes a variable passed to a call.
   */
  private optionsOwner(
    obj: TS.ObjectLiteralExpression,
  ):
    | { call: TS.CallExpression | TS.NewExpression; nested?: string }
    | undefined {
    let nested: string | undefined;
    let cur: TS.Node = obj;
    for (let depth = 0; depth < 4; depth++) {
      const p: TS.Node = cur.parent;
      if (!p) return undefined;
      if (
        (ts.isCallExpression(p) || ts.isNewExpression(p)) &&
        p.arguments?.includes(cur as TS.Expression)
      ) {
        return { call: p, nested };
      }
      if (
        ts.isPropertyAssignment(p) &&
        ts.isObjectLiteralExpression(p.parent)
      ) {
        const name = propName(p.name) ?? '';
        if (depth === 0)
          nested =
            ['timeout', 'retry', 'retryPolicy'].find(
              known => known.toLowerCase() === name.toLowerCase(),
            ) ?? name;
        cur = p.parent;
        continue;
      }
      if (
        ts.isVariableDeclaration(p) &&
        ts.isIdentifier(p.name) &&
        this.passed.has(p.name.text)
      ) {
        // const options = { timeout: 500 }; … fetchWith(url, options)
        const user = this.callPassing(p.name.text);
        return user ? { call: user, nested } : undefined;
      }
      if (
        ts.isAsExpression(p) ||
        ts.isSatisfiesExpression(p) ||
        ts.isParenthesizedExpression(p)
      ) {
        cur = p;
        continue;
      }
      return undefined;
    }
    return undefined;
  }

  private callPassing(
    name: string,
  ): TS.CallExpression | TS.NewExpression | undefined {
    let found: TS.CallExpression | TS.NewExpression | undefined;
    const visit = (n: TS.Node) => {
      if (found) return;
      if (
        (ts.isCallExpression(n) || ts.isNewExpression(n)) &&
        n.arguments?.some(a => ts.isIdentifier(a) && a.text === name)
      ) {
        found = n;
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(this.file);
    return found;
  }
}

function skipParens(e: TS.Expression): TS.Expression {
  let x = e;
  while (
    ts.isParenthesizedExpression(x) ||
    ts.isAsExpression(x) ||
    ts.isNonNullExpression(x) ||
    ts.isSatisfiesExpression(x)
  )
    x = x.expression;
  return x;
}

/** `process.env.RISK_TIMEOUT`, `process.env['RISK_TIMEOUT']`, `config.get('risk.timeout')`. */
function envKey(e: TS.Expression, file: TS.SourceFile): string | undefined {
  if (
    ts.isPropertyAccessExpression(e) &&
    /^(?:process\.env|import\.meta\.env|env)$/.test(e.expression.getText(file))
  )
    return e.name.text;
  if (
    ts.isElementAccessExpression(e) &&
    /^(?:process\.env|env)$/.test(e.expression.getText(file)) &&
    ts.isStringLiteral(e.argumentExpression)
  )
    return e.argumentExpression.text;
  if (
    ts.isCallExpression(e) &&
    /(?:^|\.)(?:get|getOrThrow|getString|getNumber|getOptionalNumber|getOptionalString)$/.test(
      e.expression.getText(file),
    ) &&
    /config|conf|settings|env/i.test(e.expression.getText(file)) &&
    e.arguments[0] &&
    ts.isStringLiteral(e.arguments[0])
  )
    return e.arguments[0].text;
  return undefined;
}

function objectProp(
  obj: TS.ObjectLiteralExpression,
  key: string,
): TS.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && propName(p.name) === key)
      return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === key)
      return p.name;
  }
  return undefined;
}

function isFunctionLike(n: TS.Node): boolean {
  return (
    ts.isArrowFunction(n) ||
    ts.isFunctionExpression(n) ||
    ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n)
  );
}

function findAncestor<T extends TS.Node>(
  n: TS.Node,
  test: (x: TS.Node) => x is T,
): T | undefined {
  for (let p = n.parent; p; p = p.parent) if (test(p)) return p;
  return undefined;
}

function functionName(fn: TS.Node): string | undefined {
  if (
    (ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) &&
    fn.name &&
    ts.isIdentifier(fn.name)
  )
    return fn.name.text;
  if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name))
    return fn.parent.name.text;
  return undefined;
}

function assignedName(call: TS.Node): string | undefined {
  let p = call.parent;
  while (
    p &&
    (ts.isAwaitExpression(p) ||
      ts.isParenthesizedExpression(p) ||
      ts.isAsExpression(p))
  )
    p = p.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name))
    return p.name.text;
  if (p && ts.isPropertyDeclaration(p) && ts.isIdentifier(p.name))
    return p.name.text;
  if (p && ts.isBinaryExpression(p) && ts.isPropertyAccessExpression(p.left))
    return p.left.name.text;
  return undefined;
}

function kebabish(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1-$2');
}

function libraryOf(callee: string): string {
  const first = callee.split('.')[0];
  if (/^fetch$/.test(callee)) return 'fetch';
  if (/^axios/.test(callee) || /\.create$/.test(callee))
    return first === 'axios' ? 'axios' : callee;
  if (/^got/.test(callee)) return 'got';
  if (/^ky/.test(callee)) return 'ky';
  return callee;
}

/** Facts of every TypeScript / JavaScript file of a project. */
export function extractTypeScript(files: SourceFile[]): DiscoveredFact[] {
  if (!files.length) return [];
  compiler();
  const project = new TsProject(files);
  const facts: DiscoveredFact[] = [];
  for (const mod of project.files)
    facts.push(...new FileWalker(project, mod).run());
  return facts;
}
