/*
 * The detectors every tree-sitter language shares, on the shape its adapter gives: one walk
 * finds retry paths (retry helpers, policies, hand-written loops, error handlers), asks the
 * adapter's library knowledge about each call, and finds timeouts and retries set on fields,
 * idempotency keys, replica reads and gRPC service configs in strings.
 */
import type { SgNode } from '@ast-grep/napi';
import {
  databaseFromName,
  type DiscoveredFact,
  fact,
  firstTarget,
  NO_TARGET,
  REPLICA_NAME,
  serviceFromIdentifier,
  type SourceFile,
  type Target,
  withAttempts,
  withDuration,
} from '../core';
import { serviceConfigInString } from '../config';
import { type Call, type LanguageAdapter, looksLikeRetryLoop } from './adapter';
import { type ConstantTable, TreeResolver } from './resolver';

/** Facts of one file; constants looked up in the project's table. */
export class TreeWalker extends TreeResolver {
  readonly facts: DiscoveredFact[] = [];
  /** Nodes already reported (a call seen by two detectors reports once per kind). */
  private readonly seen = new Set<string>();

  constructor(
    adapter: LanguageAdapter,
    file: SourceFile,
    readonly root: SgNode,
    project: ConstantTable,
  ) {
    super(adapter, file, project);
  }

  run(): DiscoveredFact[] {
    this.walk(this.root, undefined);
    return this.facts;
  }

  add(
    kind: DiscoveredFact['kind'],
    at: SgNode,
    parts: Partial<DiscoveredFact>,
    written?: string,
  ) {
    // a call in a chain (`.timeout(…)` in a builder) is where its method is named
    let node = at;
    let text = written;
    if (this.adapter.callKinds.includes(at.kind() as string)) {
      const name = this.adapter.call(at)?.nameNode;
      if (name && name.range().start.line !== at.range().start.line) {
        node = name;
        text ??= this.file.text.slice(
          name.range().start.index,
          at.range().end.index,
        );
      }
    }
    const start = node.range().start;
    // a value two detectors see (an option object and the call it configures) is reported once
    const key = `${kind}:${start.line}:${
      parts.ms ?? parts.attempts ?? parts.unresolved ?? ''
    }`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.facts.push(
      fact(
        kind,
        this.file.path,
        { line: start.line + 1, column: start.column + 1 },
        text ?? at.text(),
        this.adapter.language,
        parts,
      ),
    );
  }

  private walk(node: SgNode, retry: string | undefined): void {
    const kind = node.kind() as string;
    const a = this.adapter;
    if (a.functionKinds.includes(kind)) {
      let inRetry = retry;
      for (const ann of a.annotations(node)) {
        if (a.detectAnnotation(ann, node, this)) inRetry = 'annotated';
      }
      for (const child of node.children()) this.walk(child, inRetry);
      return;
    }
    if (a.callKinds.includes(kind)) {
      const call = a.call(node);
      if (call) {
        if (retry && a.isNewId(call)) {
          this.add('new-id-in-retry', node, {
            library: call.callee,
            ...this.enclosingTarget(node),
          });
        }
        a.detect(call, this);
        this.replica(call);
        if (
          (call.callee === 'repeat' &&
            call.lambdas[0] &&
            looksLikeRetryLoop(call.lambdas[0], 'attempt', a)) ||
          (call.lambdas.length &&
            /retry|polic|backoff|resilien|execute|do$/i.test(call.callee) &&
            this.retryCallee(call))
        ) {
          for (const child of node.children()) this.walk(child, 'callback');
          return;
        }
      }
    }
    if (a.loopKinds.includes(kind)) {
      const bound = a.loopBound(node, this);
      if (bound) {
        this.add(
          'retry',
          node,
          {
            ...withAttempts(bound.attempts, bound.counts),
            library: 'hand-written loop',
            ...(this.functionTarget(node) ?? NO_TARGET),
          },
          bound.head,
        );
        for (const child of node.children()) this.walk(child, 'loop');
        return;
      }
    }
    if (a.isErrorHandler(node)) {
      for (const child of node.children()) this.walk(child, retry ?? 'handler');
      return;
    }
    if (a.stringKinds.includes(kind)) {
      this.stringFacts(node);
    }
    for (const init of a.fieldInits(node)) this.fieldInit(init, node);
    const assigned = a.assignment(node);
    if (assigned) this.assignmentFact(assigned, node);
    for (const child of node.children()) this.walk(child, retry);
  }

  /** Whether a call's lambdas are retried: a retry helper, a policy's execute. */
  private retryCallee(call: Call): boolean {
    return (
      /(?:^|\.)(?:retry|Retry|Do|retry_call|call|execute\w*|Execute\w*|run|executeSupplier|executeCallable|executeRunnable|decorateSupplier|RetryNotify|RetryWithData)$/.test(
        call.callee,
      ) &&
      /retry|backoff|polic|pipeline|resilien/i.test(
        call.callee + (call.receiver ?? ''),
      )
    );
  }
  // ---- generic detectors ----------------------------------------------------------------

  /** `Timeout: 5*time.Second` in `http.Client{…}`, `new HttpClient { Timeout = … }`. */
  private fieldInit(
    init: { name: string; value: SgNode; owner: string },
    node: SgNode,
  ) {
    const owner = init.owner;
    if (
      /(?:^|\.)(?:Server|ServerConfig|ServeMux|Listener|Probe|Handler|Options\b.*Server)/.test(
        owner,
      )
    )
      return;
    if (
      /^(?:Timeout|RequestTimeout|DialTimeout|ReadTimeout|WriteTimeout|ConnectTimeout|ResponseHeaderTimeout|TLSHandshakeTimeout|PoolTimeout|CommandTimeout|ConnectionTimeout|OperationTimeout|AttemptTimeout|TotalRequestTimeout|Deadline)$/.test(
        init.name,
      )
    ) {
      const value = this.durationMs(init.value);
      this.add('timeout', node, {
        ...withDuration(value),
        library: `${owner}.${init.name}`,
        ...(firstTarget(this.ownerTarget(node), this.enclosingTarget(node)) ??
          NO_TARGET),
      });
    } else if (
      /^(?:MaxRetryAttempts|MaxRetries|RetryMax|MaxAttempts|RetryCount|MaxRetry)$/.test(
        init.name,
      )
    ) {
      const counts =
        /Attempts$/.test(init.name) && !/Retry/.test(init.name)
          ? 'all-tries'
          : 'retries';
      this.add('retry', node, {
        ...withAttempts(this.count(init.value), counts),
        library: `${owner}.${init.name}`,
        ...(firstTarget(this.ownerTarget(node), this.enclosingTarget(node)) ??
          NO_TARGET),
      });
    }
  }

  /** `riskClient := &http.Client{…}`: the variable a literal is assigned to. */
  private ownerTarget(node: SgNode): Target | undefined {
    for (
      let p: SgNode | null = node.parent(), i = 0;
      p && i < 5;
      p = p.parent(), i++
    ) {
      const kind = p.kind() as string;
      if (
        /short_var_declaration|assignment|variable_declarator|var_spec|property_declaration|local_variable_declaration|keyed_element/.test(
          kind,
        )
      ) {
        const first = p.children().find(c => c.isNamed());
        const name = first?.text().split(/[\s,]/)[0];
        const svc =
          name &&
          /client|api|svc|service|stub|http|gateway|conn|channel|session/i.test(
            name,
          )
            ? serviceFromIdentifier(name)
            : undefined;
        if (svc) return { target: svc, targetFrom: `client ${name}` };
        return undefined;
      }
    }
    return undefined;
  }

  /** `client.Timeout = …`, `self.session.timeout = 5`. */
  private assignmentFact(
    assigned: { left: string; value: SgNode },
    node: SgNode,
  ) {
    const parts = assigned.left.split('.');
    const field = parts.pop() ?? '';
    // Ktor: install(HttpTimeout) { requestTimeoutMillis = 2000 }
    const ktor =
      /^(?:requestTimeoutMillis|connectTimeoutMillis|socketTimeoutMillis)$/.test(
        field,
      );
    if (parts.length === 0 && !ktor) return;
    if (
      /^(?:Timeout|timeout|RetryMax|requestTimeoutMillis|connectTimeoutMillis|socketTimeoutMillis)$/.test(
        field,
      )
    ) {
      const receiver = parts.join('.');
      const who = parts
        .reverse()
        .map(p => serviceFromIdentifier(p))
        .find(Boolean);
      const target = who
        ? { target: who, targetFrom: `client ${receiver}` }
        : this.enclosingTarget(node);
      if (field === 'RetryMax') {
        this.add('retry', node, {
          ...withAttempts(this.count(assigned.value), 'retries'),
          library: 'go-retryablehttp RetryMax',
          ...target,
        });
      } else {
        const unit = /Millis$/.test(field) ? 1 : this.adapter.bareUnitMs;
        this.add('timeout', node, {
          ...withDuration(this.durationMs(assigned.value, unit)),
          library: `${receiver}.${field}`,
          ...target,
        });
      }
    }
  }

  private stringFacts(node: SgNode) {
    const s = this.adapter.stringValue(node);
    if (!s) return;
    if (s.includes('"methodConfig"')) {
      const start = node.range().start;
      const quote = /^[@$]?(?:"{3}|`|"|')/.exec(node.text())?.[0].length ?? 1;
      this.facts.push(
        ...serviceConfigInString(
          this.file,
          s,
          { line: start.line + 1, column: start.column + quote },
          this.adapter.language,
        ),
      );
      return;
    }
    if (
      /^(?:x-)?(?:idempotency-key|request-id|idempotent-key|dedup(?:e|lication)?-(?:key|id))$/i.test(
        s,
      )
    ) {
      const call = this.callAround(node);
      const sent =
        call &&
        /(?:^|\.)(?:set|Set|add|Add|header|Header|put|setHeader|addHeader|TryAddWithoutValidation|append)$/.test(
          call.callee,
        );
      const inDict = /^(?:pair|dictionary|keyed_element|literal_element)$/.test(
        node.parent()?.kind() as string,
      );
      if (sent || inDict) {
        this.add('idempotency-key', node, {
          library: `sent header ${s}`,
          ...this.enclosingTarget(node),
        });
      } else if (call) {
        this.add('idempotency-key', node, {
          library: `read header ${s}`,
          targetFrom: 'checked by this service',
        });
      }
      return;
    }
    const conflict =
      /ON\s+CONFLICT\s*\(\s*([a-z_]*(?:idempotency|request_id|dedup)[a-z_]*)\s*\)/i.exec(
        s,
      );
    if (conflict) {
      this.add('idempotency-key', node, {
        library: `dedupe on ${conflict[1]}`,
        targetFrom: 'checked by this service',
      });
      return;
    }
    if (
      /ApplicationIntent\s*=\s*ReadOnly|target_session_attrs\s*=\s*read-only|readPreference=secondary/i.test(
        s,
      )
    ) {
      const host =
        /(?:Server|Data Source|host)\s*=\s*([^;,]+)/i.exec(s)?.[1] ??
        /\/\/(?:[^@/]*@)?([^/:?]+)/.exec(s)?.[1];
      const db = host ? databaseFromName(host.split('.')[0]) : undefined;
      this.add('replica-read', node, {
        library: 'read-only connection string',
        ...(db
          ? { target: db, targetFrom: `host ${host}` }
          : { targetFrom: 'connection string names no database' }),
      });
    }
  }

  private callAround(node: SgNode): Call | undefined {
    for (let p = node.parent(), i = 0; p && i < 4; p = p.parent(), i++) {
      if (this.adapter.callKinds.includes(p.kind() as string))
        return this.adapter.call(p);
    }
    return undefined;
  }

  /** `db.replica.query(...)`, `replica_session.execute`, `.using('replica')`. */
  private replica(call: Call) {
    const receiver = call.receiver ?? '';
    const kebabbed = receiver.replace(/([a-z0-9])([A-Z])/g, '$1-$2');
    const dataVerb =
      /^(?:query|Query|QueryContext|QueryRow|QueryRowContext|execute|Execute|exec|Exec|select|Select|find\w*|Find\w*|get|Get|fetch\w*|Fetch\w*|all|first|filter|scalars?|raw|read\w*|Read\w*|aggregate|count|search|scan|Scan|collection|Collection|table|from|objects|createQuery|queryForObject|queryForList|query_one|fetchrow|fetchval)$/;
    if (
      dataVerb.test(call.method) &&
      REPLICA_NAME.test(kebabbed) &&
      !/\.using\(|\.Using\(|db_manager\(/.test(receiver)
    ) {
      const db = receiver
        .split('.')
        .map(p => databaseFromName(p.replace(/\(.*\)$/, '')))
        .find(Boolean);
      this.add('replica-read', call.node, {
        library: 'replica connection',
        ...(db
          ? { target: db, targetFrom: `connection ${receiver}` }
          : { targetFrom: `connection ${receiver} names no database` }),
      });
      return;
    }
    // Django: Model.objects.using('replica'); SQLAlchemy: engines['replica']
    if (/^(?:using|Using|db_manager)$/.test(call.method) && call.args[0]) {
      const s = this.adapter.stringValue(call.args[0].value);
      if (s && REPLICA_NAME.test(s)) {
        const db = databaseFromName(s);
        this.add('replica-read', call.node, {
          library: `${call.method}('${s}')`,
          ...(db
            ? { target: db, targetFrom: `database alias ${s}` }
            : { targetFrom: `database alias ${s} names no database` }),
        });
      }
      return;
    }
    // connections opened on a replica's address: create_engine(os.environ["ORDERS_REPLICA_URL"])
    if (
      /^(?:create_engine|create_async_engine|connect|Open|sql\.Open|pgxpool\.New|pgxpool\.Connect|pgx\.Connect|create_pool|getConnection|DriverManager\.getConnection|AsyncConnectionPool|ConnectionPool)$/.test(
        call.method,
      ) ||
      /^(?:sql\.Open|pgxpool\.New|psycopg2?\.connect|asyncpg\.create_pool|asyncpg\.connect|DriverManager\.getConnection)$/.test(
        call.callee,
      )
    ) {
      for (const arg of call.args) {
        const key =
          this.adapter.configKey(arg.value) ??
          (String(arg.value.kind()).includes('identifier')
            ? arg.value.text()
            : undefined);
        if (key && REPLICA_NAME.test(key.replace(/_/g, '-'))) {
          const db = databaseFromName(key);
          this.add('replica-read', call.node, {
            library: `${call.callee} on a replica`,
            ...(db
              ? { target: db, targetFrom: `config key ${key}` }
              : { targetFrom: `config key ${key} names no database` }),
          });
          return;
        }
      }
    }
  }
}
