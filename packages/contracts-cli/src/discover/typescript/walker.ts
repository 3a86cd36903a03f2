/*
 * The detectors of TypeScript / JavaScript facts: one walk over a file's syntax tree finds
 * timeouts, retries (helpers, options, hand-written loops), ids made inside a retry path,
 * idempotency keys and replica reads; values and targets come from `TsResolver`.
 */
import type * as TS from 'typescript';
import {
  databaseFromName,
  type DiscoveredFact,
  fact,
  firstTarget,
  NO_TARGET,
  REPLICA_NAME,
  type Resolved,
  serviceFromIdentifier,
  withAttempts,
  withDuration,
} from '../core';
import { serviceConfigInString } from '../config';
import type { ModuleConstants, TsProject } from './project';
import { TsResolver } from './resolver';
import {
  calleeText,
  isFunctionLike,
  objectProp,
  position,
  propName,
  ts,
} from './syntax';

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
const RETRY_FN =
  /^(?:pRetry|retry|asyncRetry|promiseRetry|backoff|retryAsync|withRetry|withRetries|retrying)$/;

/** Where in a retry the walk is. */
type RetryPath = 'loop' | 'callback' | 'catch' | undefined;

/** Facts of one file. */
export class FileWalker extends TsResolver {
  readonly facts: DiscoveredFact[] = [];
  private readonly language: string;
  /** Identifiers passed as call arguments (an options object declared apart). */
  private readonly passed = new Set<string>();

  constructor(project: TsProject, mod: ModuleConstants) {
    super(project, mod);
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
