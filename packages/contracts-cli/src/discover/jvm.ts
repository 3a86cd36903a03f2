/*
 * Java and Kotlin: java.net.http, OkHttp, Apache HttpClient, RestTemplate / WebClient, gRPC
 * deadlines, JDBC, Ktor, coroutines' withTimeout; Spring @Retryable, resilience4j (@Retry,
 * RetryConfig), Reactor retry / retryWhen, failsafe; UUID.randomUUID in a retry path.
 */
import type { SgNode } from '@ast-grep/napi';
import { type Resolved, withAttempts, withDuration } from './core';
import {
  boundFrom,
  type Call,
  type LanguageAdapter,
  looksLikeRetryLoop,
  namedChildren,
  type TreeResolver,
  type TreeWalker,
} from './treesitter';

const DURATION_FACTORY: Record<string, number> = {
  ofNanos: 1e-6,
  ofMillis: 1,
  ofSeconds: 1000,
  ofMinutes: 60_000,
  ofHours: 3_600_000,
  ofDays: 86_400_000,
};
const TIME_UNIT: Record<string, number> = {
  NANOSECONDS: 1e-6,
  MICROSECONDS: 1e-3,
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};
/** Builder and setter methods that set a client timeout. */
const TIMEOUT_METHOD =
  /^(?:timeout|connectTimeout|readTimeout|writeTimeout|callTimeout|responseTimeout|requestTimeout|setConnectTimeout|setReadTimeout|setSocketTimeout|setConnectionRequestTimeout|setResponseTimeout|setConnectTimeoutMillis|setReadTimeoutMillis|setQueryTimeout|setLoginTimeout|withDeadlineAfter|timeoutDuration|setConnectionTimeout|setRequestTimeout|connectTimeoutMillis|requestTimeoutMillis|socketTimeoutMillis|withTimeout|withTimeoutOrNull|orTimeout|completeOnTimeout|setTimeout)$/;
const UUID_CALL =
  /^(?:java\.util\.)?UUID\.(?:randomUUID|nameUUIDFromBytes)$|^(?:Uuid\.random|UUID\.randomUUID\(\)\.toString)$/;

/** `Duration.ofMillis(500)`, `500.milliseconds`, `TimeUnit.SECONDS.toMillis(2)`. */
function durationOf(
  node: SgNode,
  walker: TreeResolver,
  call: (n: SgNode) => Call | undefined,
): Resolved | undefined {
  const kind = node.kind() as string;
  if (kind === 'method_invocation' || kind === 'call_expression') {
    const c = call(node);
    if (!c) return undefined;
    const unit = DURATION_FACTORY[c.method];
    if (
      unit !== undefined &&
      /(?:^|\.)Duration$/.test(c.receiver ?? '') &&
      c.args[0]
    ) {
      const r = walker.count(c.args[0].value);
      return r.value === undefined
        ? r
        : {
            value: r.value * unit,
            how: `${node.text()} → ${r.value * unit} ms${
              r.how && r.how !== 'literal' ? `, ${r.how}` : ''
            }`,
          };
    }
    if (
      c.method === 'parse' &&
      /Duration$/.test(c.receiver ?? '') &&
      c.args[0]
    ) {
      const r = walker.value(c.args[0].value, 1);
      return r.value === undefined ? r : { value: r.value, how: r.how };
    }
    // TimeUnit.SECONDS.toMillis(2)
    const tu = /TimeUnit\.([A-Z]+)$/.exec(c.receiver ?? '');
    if (tu && /^to(?:Millis|Seconds)$/.test(c.method) && c.args[0]) {
      const r = walker.count(c.args[0].value);
      return r.value === undefined
        ? r
        : { value: r.value * (TIME_UNIT[tu[1]] ?? NaN), how: `${node.text()}` };
    }
  }
  // Kotlin: 500.milliseconds, 2.seconds
  if (kind === 'navigation_expression') {
    const parts = namedChildren(node);
    const suffix = parts[parts.length - 1]?.text().replace(/^\./, '');
    const units: Record<string, number> = {
      milliseconds: 1,
      seconds: 1000,
      minutes: 60_000,
      hours: 3_600_000,
      nanoseconds: 1e-6,
      microseconds: 1e-3,
    };
    const unit = suffix ? units[suffix] : undefined;
    if (unit !== undefined && parts[0]) {
      const r = walker.count(parts[0]);
      return r.value === undefined
        ? r
        : {
            value: r.value * unit,
            how: `${node.text()} → ${r.value * unit} ms`,
          };
    }
  }
  return undefined;
}

/** `(n, TimeUnit.X)` argument pairs. */
function withTimeUnit(
  call: Call,
  walker: TreeResolver,
  from = 0,
): Resolved | undefined {
  const unitArg = call.args[from + 1]?.value.text();
  const unit = unitArg && /TimeUnit\.([A-Z]+)$/.exec(unitArg)?.[1];
  if (!unit || !call.args[from]) return undefined;
  const r = walker.count(call.args[from].value);
  const ms = TIME_UNIT[unit];
  return r.value === undefined || ms === undefined
    ? r
    : {
        value: r.value * ms,
        how: `${r.value} ${unit.toLowerCase()} → ${r.value * ms} ms`,
      };
}

function annotationArgs(ann: SgNode, language: string): Map<string, SgNode> {
  const out = new Map<string, SgNode>();
  const kind = language === 'kotlin' ? 'value_argument' : 'element_value_pair';
  for (const pair of ann.findAll({ rule: { kind } } as any)) {
    const [k, v] = namedChildren(pair);
    if (k && v) out.set(k.text(), v);
  }
  return out;
}

function detectCall(call: Call, walker: TreeWalker, adapter: LanguageAdapter) {
  const { method, callee } = call;
  const target = () =>
    walker.callTarget(call) ?? walker.enclosingTarget(call.node);
  if (TIMEOUT_METHOD.test(method) && call.args.length) {
    // setConnectTimeout(2000) takes ms; withDeadlineAfter(500, TimeUnit.MILLISECONDS); .timeout(Duration.ofMillis(500))
    const r =
      withTimeUnit(call, walker) ?? walker.durationMs(call.args[0].value, 1);
    if (
      /^(?:setQueryTimeout|setLoginTimeout)$/.test(method) &&
      r.value !== undefined &&
      !r.how?.includes('→')
    ) {
      // JDBC: seconds
      walker.add('timeout', call.node, {
        ...withDuration({
          value: r.value * 1000,
          how: `${r.value} s → ${r.value * 1000} ms`,
        }),
        library: `JDBC ${method}`,
        ...target(),
      });
      return;
    }
    walker.add('timeout', call.node, {
      ...withDuration(r),
      library: method,
      ...target(),
    });
    return;
  }
  // resilience4j: RetryConfig.custom().maxAttempts(3); Spring RetryTemplate.builder().maxAttempts(3)
  if (/^maxAttempts$/.test(method) && call.args[0]) {
    walker.add('retry', call.node, {
      ...withAttempts(walker.count(call.args[0].value), 'all-tries'),
      library: /RetryTemplate/.test(callee)
        ? 'Spring RetryTemplate'
        : 'resilience4j RetryConfig',
      ...target(),
    });
    return;
  }
  // Reactor: .retry(3), .retryWhen(Retry.backoff(3, Duration.ofMillis(100))), Retry.max(3)
  if (
    (method === 'retry' && call.args[0] && adapter.language === 'java') ||
    (/^(?:backoff|fixedDelay|max|maxInARow)$/.test(method) &&
      /(?:^|\.)Retry$/.test(call.receiver ?? ''))
  ) {
    walker.add('retry', call.node, {
      ...withAttempts(walker.count(call.args[0]!.value), 'retries'),
      library: `Reactor ${callee}`,
      ...walker.enclosingTarget(call.node),
    });
    return;
  }
  // failsafe: RetryPolicy.builder().withMaxRetries(3) / withMaxAttempts(3)
  if (/^(?:withMaxRetries|withMaxAttempts)$/.test(method) && call.args[0]) {
    walker.add('retry', call.node, {
      ...withAttempts(
        walker.count(call.args[0].value),
        method === 'withMaxRetries' ? 'retries' : 'all-tries',
      ),
      library: 'failsafe RetryPolicy',
      ...walker.enclosingTarget(call.node),
    });
    return;
  }
  // Kotlin: repeat(3) { … try … }
  if (
    adapter.language === 'kotlin' &&
    callee === 'repeat' &&
    call.args[0] &&
    call.lambdas[0] &&
    looksLikeRetryLoop(call.lambdas[0], 'attempt', adapter)
  ) {
    walker.add(
      'retry',
      call.node,
      {
        ...withAttempts(walker.count(call.args[0].value), 'all-tries'),
        library: 'hand-written repeat',
        ...(walker.functionTarget(call.node) ??
          walker.enclosingTarget(call.node)),
      },
      `repeat(${call.args[0].value.text()})`,
    );
  }
}

function detectAnnotation(
  ann: SgNode,
  fn: SgNode,
  walker: TreeWalker,
): boolean {
  const name = (
    ann
      .find({
        rule: {
          any: [
            { kind: 'identifier' },
            { kind: 'type_identifier' },
            { kind: 'scoped_identifier' },
          ],
        },
      } as any)
      ?.text() ?? ''
  )
    .split('.')
    .pop();
  if (name === 'Retryable') {
    const args = annotationArgs(ann, walker.adapter.language);
    const n = args.get('maxAttempts');
    const expr = args.get('maxAttemptsExpression');
    let attempts: Resolved = {
      why: 'library default (Spring Retry: 3 attempts)',
    };
    if (n) attempts = walker.count(n);
    else if (expr)
      attempts = {
        why: `not resolvable statically (maxAttemptsExpression ${expr.text()})`,
      };
    walker.add('retry', ann, {
      ...withAttempts(attempts, 'all-tries'),
      library: 'Spring @Retryable',
      ...(walker.functionTarget(fn) ?? walker.enclosingTarget(fn)),
    });
    return true;
  }
  if (name === 'Retry') {
    // resilience4j: @Retry(name = "risk"): attempts in retry.instances.risk.max-attempts
    const instance = annotationArgs(ann, walker.adapter.language).get('name');
    const inst = instance
      ? walker.adapter.stringValue(instance) ?? instance.text()
      : undefined;
    const svc = inst
      ? inst.replace(/[-_]?(?:service|client|api)$/i, '')
      : undefined;
    walker.add('retry', ann, {
      counts: 'all-tries',
      unresolved: `not resolvable statically (config key resilience4j.retry.instances.${
        inst ?? '?'
      }.max-attempts, library default 3)`,
      library: 'resilience4j @Retry',
      ...(svc
        ? { target: svc.toLowerCase(), targetFrom: `retry instance ${inst}` }
        : walker.functionTarget(fn) ?? walker.enclosingTarget(fn)),
    });
    return true;
  }
  if (name === 'TimeLimiter') {
    const inst = annotationArgs(ann, walker.adapter.language).get('name');
    const s = inst ? walker.adapter.stringValue(inst) : undefined;
    walker.add('timeout', ann, {
      unresolved: `not resolvable statically (config key resilience4j.timelimiter.instances.${
        s ?? '?'
      }.timeout-duration, library default 1s)`,
      library: 'resilience4j @TimeLimiter',
      ...(s
        ? { target: s.toLowerCase(), targetFrom: `time limiter instance ${s}` }
        : walker.enclosingTarget(fn)),
    });
    return false;
  }
  return false;
}

function stringValue(node: SgNode): string | undefined {
  const k = node.kind() as string;
  if (
    k === 'string_literal' ||
    k === 'line_string_literal' ||
    k === 'multi_line_string_literal'
  ) {
    return node
      .children()
      .map(c => {
        const ck = c.kind() as string;
        if (
          ck === 'string_fragment' ||
          ck === 'string_content' ||
          ck === 'multi_line_string_content'
        )
          return c.text();
        if (/interpolation|template_substitution|interpolated/.test(ck))
          return `{${c.text().replace(/^\$\{?|\}$/g, '')}}`;
        return '';
      })
      .join('');
  }
  return undefined;
}

function configKey(node: SgNode): string | undefined {
  const t = node.text();
  const m =
    /^System\.getenv\(\s*"([^"]+)"\s*\)/.exec(t) ??
    /^(?:env|environment|config|configuration)\.(?:getProperty|getRequiredProperty|get\w*)\(\s*"([^"]+)"/.exec(
      t,
    ) ??
    /^System\.getProperty\(\s*"([^"]+)"/.exec(t);
  return m?.[1];
}

const common = {
  loopBound(node: SgNode, walker: TreeWalker) {
    const body =
      node.field('body' as any) ??
      namedChildren(node).find(c =>
        /block|statements|control_structure_body/.test(c.kind() as string),
      );
    if (!body) return undefined;
    const cond =
      node.field('condition' as any) ??
      namedChildren(node).find(c =>
        /binary_expression|comparison_expression/.test(c.kind() as string),
      );
    const counter = cond?.text() ?? node.text().slice(0, 80);
    if (!looksLikeRetryLoop(body, counter, walker.adapter)) return undefined;
    const head = walker.file.text
      .slice(node.range().start.index, body.range().start.index)
      .trim();
    if (
      cond &&
      /binary_expression|comparison_expression/.test(cond.kind() as string)
    ) {
      const [l, r] = namedChildren(cond);
      const op =
        cond
          .children()
          .find(c => !c.isNamed())
          ?.text() ?? '';
      const init = node.field('init' as any);
      const start =
        init?.find({
          rule: {
            any: [
              { kind: 'decimal_integer_literal' },
              { kind: 'integer_literal' },
            ],
          },
        } as any) ?? undefined;
      if (l && r && (op === '<' || op === '<='))
        return { ...boundFrom(walker, start, op, r, l.text()), head };
    }
    // Kotlin: for (attempt in 1..3)
    const range = node.find({ rule: { kind: 'range_expression' } } as any);
    if (range) {
      const [a, b] = namedChildren(range);
      if (a && b) return { ...boundFrom(walker, a, '<=', b, head), head };
    }
    return {
      attempts: {
        why: 'not resolvable statically (loop without a bound)',
      } as Resolved,
      counts: 'all-tries' as const,
      head,
    };
  },
};

export const java: LanguageAdapter = {
  language: 'java',
  identifierKinds: ['identifier'],
  callKinds: ['method_invocation', 'object_creation_expression'],
  call(node) {
    if (node.kind() === 'object_creation_expression') {
      const type = node.field('type' as any)?.text() ?? '';
      const argList = node.field('arguments' as any);
      const args = argList
        ? namedChildren(argList).map(value => ({ value }))
        : [];
      return {
        node,
        callee: `new ${type}`,
        method: type.replace(/<.*$/, ''),
        args,
        lambdas: args
          .map(a => a.value)
          .filter(v => v.kind() === 'lambda_expression'),
        isNew: true,
      };
    }
    const name = node.field('name' as any)?.text() ?? '';
    const object = node.field('object' as any);
    const argList = node.field('arguments' as any);
    const args = argList
      ? namedChildren(argList).map(value => ({ value }))
      : [];
    const receiver = object?.text().replace(/\s+/g, '');
    return {
      node,
      callee: receiver ? `${receiver}.${name}` : name,
      method: name,
      receiver,
      receiverNode: object ?? undefined,
      nameNode: node.field('name' as any) ?? undefined,
      args,
      lambdas: args
        .map(a => a.value)
        .filter(v => v.kind() === 'lambda_expression'),
    };
  },
  loopKinds: ['for_statement', 'while_statement', 'do_statement'],
  loopBound: common.loopBound,
  isErrorHandler: node => node.kind() === 'catch_clause',
  functionKinds: [
    'method_declaration',
    'constructor_declaration',
    'lambda_expression',
  ],
  lambdaKinds: ['lambda_expression'],
  annotations(node) {
    const mods = namedChildren(node).find(c => c.kind() === 'modifiers');
    return mods
      ? namedChildren(mods).filter(c => /annotation/.test(c.kind() as string))
      : [];
  },
  constants(root) {
    const out: Array<{ name: string; value: SgNode }> = [];
    for (const decl of root.findAll({
      rule: {
        any: [
          { kind: 'field_declaration' },
          { kind: 'local_variable_declaration' },
        ],
      },
    } as any)) {
      for (const d of namedChildren(decl).filter(
        c => c.kind() === 'variable_declarator',
      )) {
        const name = d.field('name' as any)?.text();
        const value = d.field('value' as any);
        if (name && value) out.push({ name, value });
      }
    }
    return out;
  },
  durationOf: (node, walker) => durationOf(node, walker, n => java.call(n)),
  bareUnitMs: 1,
  configKey,
  fieldInits: () => [],
  assignment: () => undefined,
  stringKinds: ['string_literal'],
  stringValue,
  className(node) {
    for (let p: SgNode | null = node; p; p = p.parent()) {
      if (/class_declaration|interface_declaration/.test(p.kind() as string))
        return p.field('name' as any)?.text();
    }
    return undefined;
  },
  functionName: node => node.field('name' as any)?.text(),
  isNewId: call => UUID_CALL.test(call.callee),
  detectAnnotation,
  detect(call, walker) {
    detectCall(call, walker, java);
  },
};

export const kotlin: LanguageAdapter = {
  language: 'kotlin',
  identifierKinds: ['simple_identifier'],
  callKinds: ['call_expression'],
  call(node) {
    // f(args) { lambda }: call_expression(call_expression(f, (args)), { lambda })
    let head = namedChildren(node)[0];
    const suffixes: SgNode[] = namedChildren(node).filter(
      c => c.kind() === 'call_suffix',
    );
    if (
      head?.kind() === 'call_expression' &&
      suffixes.every(
        s => !namedChildren(s).some(x => x.kind() === 'value_arguments'),
      )
    ) {
      suffixes.unshift(
        ...namedChildren(head).filter(c => c.kind() === 'call_suffix'),
      );
      head = namedChildren(head)[0];
    }
    if (!head) return undefined;
    const calleeText = head.text().replace(/\s+/g, '');
    let method = calleeText;
    let receiver: string | undefined;
    let receiverNode: SgNode | undefined;
    let nameNode: SgNode | undefined;
    if (head.kind() === 'navigation_expression') {
      const parts = namedChildren(head);
      nameNode = parts[parts.length - 1];
      method =
        parts[parts.length - 1]?.text().replace(/^[.?]+/, '') ?? calleeText;
      receiverNode = parts[0];
      receiver = calleeText
        .slice(0, calleeText.length - method.length)
        .replace(/[.?]+$/, '');
    }
    const args: Call['args'] = [];
    const lambdas: SgNode[] = [];
    for (const s of suffixes) {
      for (const c of namedChildren(s)) {
        if (c.kind() === 'value_arguments') {
          for (const a of namedChildren(c)) {
            const parts = namedChildren(a);
            const named =
              parts.length === 2 && parts[0].kind() === 'simple_identifier';
            const value = named ? parts[1] : parts[parts.length - 1];
            if (value)
              args.push({ name: named ? parts[0].text() : undefined, value });
          }
        } else if (c.kind() === 'annotated_lambda') {
          const lambda = namedChildren(c).find(
            x => x.kind() === 'lambda_literal',
          );
          if (lambda) lambdas.push(lambda);
        }
      }
    }
    return {
      node,
      callee: calleeText,
      method,
      receiver,
      receiverNode,
      nameNode,
      args,
      lambdas,
    };
  },
  loopKinds: ['for_statement', 'while_statement', 'do_while_statement'],
  loopBound: common.loopBound,
  isErrorHandler: node => node.kind() === 'catch_block',
  functionKinds: [
    'function_declaration',
    'lambda_literal',
    'anonymous_function',
  ],
  lambdaKinds: ['lambda_literal'],
  annotations(node) {
    const mods = namedChildren(node).find(c => c.kind() === 'modifiers');
    return mods
      ? namedChildren(mods).filter(c => c.kind() === 'annotation')
      : [];
  },
  constants(root) {
    const out: Array<{ name: string; value: SgNode }> = [];
    for (const decl of root.findAll({
      rule: { kind: 'property_declaration' },
    } as any)) {
      const name = namedChildren(decl)
        .find(c => c.kind() === 'variable_declaration')
        ?.text()
        .split(':')[0]
        .trim();
      const kids = namedChildren(decl);
      const value = kids[kids.length - 1];
      if (name && value && value.kind() !== 'variable_declaration')
        out.push({ name, value });
    }
    return out;
  },
  durationOf: (node, walker) => durationOf(node, walker, n => kotlin.call(n)),
  bareUnitMs: 1,
  configKey,
  fieldInits: () => [],
  assignment(node) {
    if (node.kind() !== 'assignment') return undefined;
    const [l, r] = namedChildren(node);
    if (!l || !r) return undefined;
    return { left: l.text(), value: r };
  },
  stringKinds: ['string_literal'],
  stringValue,
  className(node) {
    for (let p: SgNode | null = node; p; p = p.parent()) {
      if (/class_declaration|object_declaration/.test(p.kind() as string))
        return namedChildren(p)
          .find(c => c.kind() === 'type_identifier')
          ?.text();
    }
    return undefined;
  },
  functionName: node =>
    namedChildren(node)
      .find(c => c.kind() === 'simple_identifier')
      ?.text(),
  isNewId: call => UUID_CALL.test(call.callee),
  detectAnnotation,
  detect(call, walker) {
    detectCall(call, walker, kotlin);
  },
};
