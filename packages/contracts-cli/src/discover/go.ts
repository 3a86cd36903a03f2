/*
 * Go: context.WithTimeout / WithDeadline, http.Client{Timeout}, grpc and driver options
 * (time.Duration: bare numbers are nanoseconds); go-retryablehttp, cenkalti/backoff,
 * avast/retry-go, hand-written loops; uuid.New in a retry path or an `if err != nil` block.
 */
import type { SgNode } from '@ast-grep/napi';
import { type Resolved, withAttempts, withDuration } from './core';
import {
  boundFrom,
  type Call,
  type LanguageAdapter,
  looksLikeRetryLoop,
  namedChildren,
} from './treesitter';

const UNITS: Record<string, number> = {
  Nanosecond: 1e-6,
  Microsecond: 1e-3,
  Millisecond: 1,
  Second: 1000,
  Minute: 60_000,
  Hour: 3_600_000,
};

const UUID_CALL =
  /^(?:uuid\.(?:New|NewString|NewRandom|Must|NewV4|NewV7)|uuid\.Must\(uuid\.NewV4\(\)\)|ulid\.Make|ulid\.New|xid\.New|ksuid\.New|gonanoid\.New|shortuuid\.New)$/;

function goString(node: SgNode): string | undefined {
  const k = node.kind() as string;
  if (k === 'interpreted_string_literal' || k === 'raw_string_literal') {
    return node.text().slice(1, -1);
  }
  return undefined;
}

export const go: LanguageAdapter = {
  language: 'go',
  identifierKinds: ['identifier', 'field_identifier'],
  callKinds: ['call_expression'],
  call(node) {
    const fn = node.field('function' as any);
    const argList = node.field('arguments' as any);
    if (!fn) return undefined;
    const callee = fn.text().replace(/\s+/g, '');
    let method = callee;
    let receiver: string | undefined;
    let receiverNode: SgNode | undefined;
    if (fn.kind() === 'selector_expression') {
      method = fn.field('field' as any)?.text() ?? callee;
      receiverNode = fn.field('operand' as any) ?? undefined;
      receiver = receiverNode?.text().replace(/\s+/g, '');
    }
    const args = argList
      ? namedChildren(argList)
          .filter(a => a.kind() !== 'comment')
          .map(value => ({ value }))
      : [];
    const lambdas = args
      .map(a => a.value)
      .filter(v => v.kind() === 'func_literal');
    const nameNode =
      fn.kind() === 'selector_expression'
        ? fn.field('field' as any) ?? undefined
        : undefined;
    return {
      node,
      callee,
      method,
      receiver,
      receiverNode,
      args,
      lambdas,
      nameNode,
    };
  },
  loopKinds: ['for_statement'],
  loopBound(node, walker) {
    const body = node.field('body' as any);
    if (!body) return undefined;
    const clause = namedChildren(node).find(c => c.kind() === 'for_clause');
    const cond =
      clause?.field('condition' as any) ??
      namedChildren(node).find(c => c.kind() === 'binary_expression');
    const counter = cond?.text() ?? '';
    if (!looksLikeRetryLoop(body, counter, go)) return undefined;
    const head = walker.file.text
      .slice(node.range().start.index, body.range().start.index)
      .trim();
    if (cond?.kind() === 'binary_expression') {
      const [l, r] = namedChildren(cond);
      const op =
        cond.field('operator' as any)?.text() ??
        cond
          .children()
          .find(c => !c.isNamed())
          ?.text() ??
        '';
      const init = clause?.field('initializer' as any);
      const start = init
        ? namedChildren(namedChildren(init)[1] ?? init)[0]
        : undefined;
      if (l && r && (op === '<' || op === '<='))
        return { ...boundFrom(walker, start, op, r, l.text()), head };
    }
    // for range n (Go 1.22)
    const range = namedChildren(node).find(c => c.kind() === 'range_clause');
    const right = range?.field('right' as any);
    if (right && /^(?:int_literal|identifier)$/.test(right.kind() as string)) {
      const left = range?.field('left' as any)?.text() ?? '';
      return { ...boundFrom(walker, undefined, '<', right, left), head };
    }
    return {
      attempts: { why: 'not resolvable statically (loop without a bound)' },
      counts: 'all-tries',
      head,
    };
  },
  isErrorHandler(node) {
    if (node.kind() !== 'if_statement') return false;
    const cond = node.field('condition' as any)?.text() ?? '';
    return /\berr\w*\s*!=\s*nil\b/.test(cond);
  },
  functionKinds: ['function_declaration', 'method_declaration', 'func_literal'],
  lambdaKinds: ['func_literal'],
  annotations() {
    return [];
  },
  constants(root) {
    const out: Array<{ name: string; value: SgNode }> = [];
    for (const spec of root.findAll({
      rule: { any: [{ kind: 'const_spec' }, { kind: 'var_spec' }] },
    } as any)) {
      const names = spec.children().filter(c => c.kind() === 'identifier');
      const values = spec.field('value' as any);
      const vals = values ? namedChildren(values) : [];
      names.forEach((n, i) => {
        if (vals[i]) out.push({ name: n.text(), value: vals[i] });
      });
    }
    return out;
  },
  durationOf(node, walker) {
    const kind = node.kind() as string;
    if (
      kind === 'selector_expression' &&
      node.field('operand' as any)?.text() === 'time'
    ) {
      const unit = UNITS[node.field('field' as any)?.text() ?? ''];
      if (unit !== undefined) return { value: unit, how: 'literal' };
    }
    if (kind === 'call_expression') {
      const call = go.call(node);
      // time.Duration(n) * time.Millisecond: the conversion carries no unit
      if (call && call.callee === 'time.Duration' && call.args[0]) {
        const r = walker.count(call.args[0].value);
        return r.value === undefined
          ? r
          : { value: r.value * 1e-6, how: r.how };
      }
      if (call && call.callee === 'time.ParseDuration' && call.args[0]) {
        const s = goString(call.args[0].value);
        const d = s ? walker.value(call.args[0].value, 1) : undefined;
        if (d?.value !== undefined) return { value: d.value, how: d.how };
      }
      // time.Now().Add(d): a deadline d from now
      if (call && /^time\.Now\(\)\.Add$/.test(call.callee) && call.args[0]) {
        return walker.durationMs(call.args[0].value);
      }
    }
    return undefined;
  },
  bareUnitMs: 1e-6,
  configKey(node) {
    const t = node.text();
    const m =
      /^os\.(?:Getenv|LookupEnv)\(\s*"([^"]+)"\s*\)/.exec(t) ??
      /^viper\.(?:Get\w*)\(\s*"([^"]+)"\s*\)/.exec(t) ??
      /^(?:cfg|config|conf)\.(?:Get\w*)\(\s*"([^"]+)"\s*\)/.exec(t);
    return m?.[1];
  },
  fieldInits(node) {
    if (node.kind() !== 'composite_literal') return [];
    const type = node.field('type' as any)?.text() ?? '';
    const body = node.field('body' as any);
    if (!body) return [];
    const out: Array<{ name: string; value: SgNode; owner: string }> = [];
    for (const el of namedChildren(body)) {
      if (el.kind() !== 'keyed_element') continue;
      const [k, v] = namedChildren(el);
      const value =
        v && (v.kind() === 'literal_element' ? namedChildren(v)[0] : v);
      const key =
        k && (k.kind() === 'literal_element' ? namedChildren(k)[0] : k);
      if (key && value) out.push({ name: key.text(), value, owner: type });
    }
    return out;
  },
  assignment(node) {
    if (node.kind() !== 'assignment_statement') return undefined;
    const left = node.field('left' as any);
    const right = node.field('right' as any);
    if (!left || !right) return undefined;
    const l = namedChildren(left)[0];
    const r = namedChildren(right)[0];
    if (!l || !r || l.kind() !== 'selector_expression') return undefined;
    return { left: l.text(), value: r };
  },
  stringKinds: ['interpreted_string_literal', 'raw_string_literal'],
  stringValue: goString,
  className(node) {
    for (let p: SgNode | null = node; p; p = p.parent()) {
      if (p.kind() === 'method_declaration') {
        const recv = p.field('receiver' as any)?.text() ?? '';
        return /\*?\s*(\w+)\s*\)\s*$/.exec(recv)?.[1];
      }
    }
    return undefined;
  },
  functionName(node) {
    return node.field('name' as any)?.text();
  },
  isNewId(call) {
    return UUID_CALL.test(call.callee);
  },
  detectAnnotation() {
    return false;
  },
  detect(call, walker) {
    const { callee, method } = call;
    const pos = (i: number) => call.args[i]?.value;
    // context.WithTimeout(ctx, d), context.WithDeadline(ctx, time.Now().Add(d))
    if (
      /^context\.(?:WithTimeout|WithTimeoutCause|WithDeadline|WithDeadlineCause)$/.test(
        callee,
      ) &&
      pos(1)
    ) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(pos(1)!)),
        library: callee,
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    // grpc.WithTimeout(d) (dial), grpc_retry.WithPerRetryTimeout(d)
    if (
      /(?:^|\.)(?:WithTimeout|WithPerRetryTimeout|SetTimeout|WithRequestTimeout)$/.test(
        callee,
      ) &&
      pos(0) &&
      !/^context\./.test(callee)
    ) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(pos(0)!)),
        library: callee,
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    // retry-go: retry.Do(fn, retry.Attempts(3))
    if (/^retry\.(?:Do|DoWithData)$/.test(callee)) {
      const opt = call.args
        .map(a => a.value)
        .find(v => /^retry\.Attempts\(/.test(v.text()));
      const optCall = opt && go.call(opt);
      const attempts: Resolved = optCall?.args[0]
        ? walker.count(optCall.args[0].value)
        : { why: 'library default (retry-go: 10 attempts)' };
      walker.add('retry', call.node, {
        ...withAttempts(attempts, 'all-tries'),
        library: 'retry-go',
        ...(walker.functionTarget(call.lambdas[0] ?? call.node) ??
          walker.enclosingTarget(call.node)),
      });
      return;
    }
    // cenkalti/backoff: backoff.Retry(op, backoff.WithMaxRetries(b, 3))
    if (
      /^backoff\.(?:Retry|RetryNotify|RetryWithData|RetryNotifyWithData)$/.test(
        callee,
      )
    ) {
      const policy = pos(1);
      const max =
        policy && /WithMaxRetries\(/.test(policy.text())
          ? policy.find({
              rule: {
                kind: 'call_expression',
                regex: '^backoff\\.WithMaxRetries',
              },
            } as any)
          : null;
      const maxCall = max && go.call(max);
      const attempts: Resolved = maxCall?.args[1]
        ? walker.count(maxCall.args[1].value)
        : {
            why: "not resolvable statically (bounded by the backoff's MaxElapsedTime)",
          };
      walker.add('retry', call.node, {
        ...withAttempts(attempts, 'retries'),
        library: 'cenkalti/backoff',
        ...(walker.functionTarget(call.lambdas[0] ?? call.node) ??
          walker.enclosingTarget(call.node)),
      });
      return;
    }
    // backoff v5: backoff.Retry(ctx, op, backoff.WithMaxTries(3))
    if (/^backoff\.WithMaxTries$/.test(callee) && pos(0)) {
      walker.add('retry', call.node, {
        ...withAttempts(walker.count(pos(0)!), 'all-tries'),
        library: 'cenkalti/backoff',
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    // go-retryablehttp: retryablehttp.NewClient() (RetryMax set apart, else the default 4)
    if (/^retryablehttp\.NewClient$/.test(callee)) {
      const fn = call.node
        .ancestors()
        .find(a =>
          /function_declaration|method_declaration|func_literal/.test(
            a.kind() as string,
          ),
        );
      if (!fn || !/\.RetryMax\s*=/.test(fn.text())) {
        walker.add('retry', call.node, {
          counts: 'retries',
          unresolved: 'library default (go-retryablehttp: RetryMax 4)',
          library: 'go-retryablehttp',
          ...walker.enclosingTarget(call.node),
        });
      }
      return;
    }
    // grpc_retry.WithMax(3)
    if (/(?:^|\.)WithMax$/.test(callee) && /retry/i.test(callee) && pos(0)) {
      walker.add('retry', call.node, {
        ...withAttempts(walker.count(pos(0)!), 'all-tries'),
        library: 'go-grpc-middleware retry',
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    // db.SetConnMaxLifetime etc. are not call timeouts; SetDeadline on a client connection is
    if (
      /^(?:SetDeadline|SetReadDeadline|SetWriteDeadline)$/.test(method) &&
      pos(0)
    ) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(pos(0)!)),
        library: `conn.${method}`,
        ...walker.enclosingTarget(call.node),
      });
    }
  },
};

export type { Call };
