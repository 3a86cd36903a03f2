/*
 * C#: HttpClient.Timeout, AddHttpClient, CancellationTokenSource / CancelAfter, gRPC deadlines,
 * Polly (RetryAsync, WaitAndRetryAsync, TimeoutAsync, v8 RetryStrategyOptions), .NET
 * resilience handlers (AddStandardResilienceHandler, AddResilienceHandler), EF Core
 * EnableRetryOnFailure; Guid.NewGuid in a retry path.
 */
import type { SgNode } from '@ast-grep/napi';
import {
  serviceFromIdentifier,
  type Resolved,
  withAttempts,
  withDuration,
} from './core';
import {
  type Call,
  type LanguageAdapter,
  boundFrom,
  looksLikeRetryLoop,
  namedChildren,
  type TreeWalker,
} from './treesitter';

const TIMESPAN: Record<string, number> = {
  FromTicks: 1e-4,
  FromMilliseconds: 1,
  FromSeconds: 1000,
  FromMinutes: 60_000,
  FromHours: 3_600_000,
  FromDays: 86_400_000,
};

function csString(node: SgNode): string | undefined {
  const k = node.kind() as string;
  if (
    k === 'string_literal' ||
    k === 'verbatim_string_literal' ||
    k === 'raw_string_literal'
  ) {
    const inner = namedChildren(node)
      .map(c => c.text())
      .join('');
    return inner || node.text().replace(/^@?"|"$/g, '');
  }
  if (k === 'interpolated_string_expression') {
    return node
      .children()
      .map(c => {
        if (c.kind() === 'interpolation') return `{${c.text().slice(1, -1)}}`;
        return c.kind() === 'string_content' ? c.text() : '';
      })
      .join('');
  }
  return undefined;
}

/** The target an `AddHttpClient` call names: `AddHttpClient("risk", …)`, `AddHttpClient<RiskClient>()`, `AddHttpClient<IRisk, RiskClient>`. */
function httpClientTarget(call: Call, walker: TreeWalker) {
  const first = call.args[0]?.value;
  const name = first ? csString(first) : undefined;
  if (name) {
    const t = serviceFromIdentifier(name);
    if (t) return { target: t, targetFrom: `named client ${name}` };
  }
  const generic = /AddHttpClient<([^>]+)>/
    .exec(call.node.text())?.[1]
    ?.split(',')
    .pop()
    ?.trim();
  if (generic) {
    const t = serviceFromIdentifier(generic.replace(/^I(?=[A-Z])/, ''));
    if (t) return { target: t, targetFrom: `typed client ${generic}` };
  }
  return walker.enclosingTarget(call.node);
}

export const csharp: LanguageAdapter = {
  language: 'csharp',
  identifierKinds: ['identifier'],
  callKinds: ['invocation_expression', 'object_creation_expression'],
  call(node) {
    if (node.kind() === 'object_creation_expression') {
      const type = node.field('type' as any)?.text() ?? '';
      const argList = node.field('arguments' as any);
      const args = argList
        ? namedChildren(argList).map(a => ({
            name: undefined,
            value: namedChildren(a).pop() ?? a,
          }))
        : [];
      return {
        node,
        callee: `new ${type}`,
        method: type,
        args,
        lambdas: [],
        isNew: true,
      };
    }
    const fn = node.field('function' as any);
    if (!fn) return undefined;
    let method = fn.text();
    let receiver: string | undefined;
    let receiverNode: SgNode | undefined;
    let nameNode: SgNode | undefined;
    if (fn.kind() === 'member_access_expression') {
      nameNode = fn.field('name' as any) ?? undefined;
      method = (nameNode?.text() ?? method).replace(/<.*$/, '');
      receiverNode = fn.field('expression' as any) ?? undefined;
      receiver = receiverNode?.text().replace(/\s+/g, '');
    } else method = method.replace(/<.*$/, '');
    const argList = node.field('arguments' as any);
    const args: Call['args'] = [];
    for (const a of argList ? namedChildren(argList) : []) {
      const kids = namedChildren(a);
      const nameColon = kids.find(k => k.kind() === 'name_colon');
      const value = kids[kids.length - 1];
      if (value)
        args.push({ name: nameColon?.text().replace(/:$/, '').trim(), value });
    }
    const lambdas = args
      .map(a => a.value)
      .filter(v =>
        /lambda_expression|anonymous_method/.test(v.kind() as string),
      );
    return {
      node,
      callee: receiver ? `${receiver}.${method}` : method,
      method,
      receiver,
      receiverNode,
      nameNode,
      args,
      lambdas,
    };
  },
  loopKinds: ['for_statement', 'while_statement', 'do_statement'],
  loopBound(node, walker) {
    const body =
      node.field('body' as any) ??
      namedChildren(node).find(c => c.kind() === 'block');
    if (!body) return undefined;
    const cond =
      node.field('condition' as any) ??
      namedChildren(node).find(c => c.kind() === 'binary_expression');
    const counter = cond?.text() ?? '';
    if (!looksLikeRetryLoop(body, counter, csharp)) return undefined;
    const head = walker.file.text
      .slice(node.range().start.index, body.range().start.index)
      .trim();
    if (cond?.kind() === 'binary_expression') {
      const [l, r] = namedChildren(cond);
      const op =
        cond
          .children()
          .find(c => !c.isNamed())
          ?.text() ?? '';
      const init =
        node.field('initializer' as any) ??
        namedChildren(node).find(c => c.kind() === 'variable_declaration');
      const start =
        init?.find({ rule: { kind: 'integer_literal' } } as any) ?? undefined;
      if (l && r && (op === '<' || op === '<='))
        return { ...boundFrom(walker, start, op, r, l.text()), head };
    }
    return {
      attempts: { why: 'not resolvable statically (loop without a bound)' },
      counts: 'all-tries',
      head,
    };
  },
  isErrorHandler: node => node.kind() === 'catch_clause',
  functionKinds: [
    'method_declaration',
    'constructor_declaration',
    'local_function_statement',
    'lambda_expression',
  ],
  lambdaKinds: ['lambda_expression'],
  annotations: () => [],
  constants(root) {
    const out: Array<{ name: string; value: SgNode }> = [];
    for (const d of root.findAll({
      rule: { kind: 'variable_declarator' },
    } as any)) {
      const kids = namedChildren(d);
      const name = kids.find(k => k.kind() === 'identifier')?.text();
      const value = kids.length > 1 ? kids[kids.length - 1] : undefined;
      if (
        (name && value && value.kind() !== 'identifier') ||
        (name && value && kids.length > 1)
      )
        out.push({ name: name!, value: value! });
    }
    return out;
  },
  durationOf(node, walker): Resolved | undefined {
    const k = node.kind() as string;
    if (k === 'invocation_expression') {
      const c = csharp.call(node);
      const unit = c && TIMESPAN[c.method];
      if (
        c &&
        unit !== undefined &&
        /TimeSpan$/.test(c.receiver ?? '') &&
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
        c &&
        /^(?:Parse|FromString)$/.test(c.method) &&
        /TimeSpan$/.test(c.receiver ?? '') &&
        c.args[0]
      ) {
        const r = walker.value(c.args[0].value, 1);
        return r.value === undefined ? r : { value: r.value, how: r.how };
      }
      // DateTime.UtcNow.AddSeconds(2): a deadline
      const add = c && /^Add(Milliseconds|Seconds|Minutes)$/.exec(c.method);
      if (
        c &&
        add &&
        /DateTime(?:Offset)?\.(?:UtcNow|Now)$/.test(c.receiver ?? '') &&
        c.args[0]
      ) {
        const r = walker.count(c.args[0].value);
        const m = { Milliseconds: 1, Seconds: 1000, Minutes: 60_000 }[
          add[1] as 'Seconds'
        ];
        return r.value === undefined
          ? r
          : { value: r.value * m, how: `deadline now + ${r.value * m} ms` };
      }
    }
    if (
      k === 'object_creation_expression' &&
      /^TimeSpan$/.test(node.field('type' as any)?.text() ?? '')
    ) {
      const args = namedChildren(node.field('arguments' as any) ?? node).map(
        a => walker.count(namedChildren(a).pop() ?? a).value,
      );
      if (args.length === 3 && args.every(v => v !== undefined)) {
        const ms = args[0]! * 3_600_000 + args[1]! * 60_000 + args[2]! * 1000;
        return { value: ms, how: `${node.text()} → ${ms} ms` };
      }
    }
    return undefined;
  },
  bareUnitMs: 1,
  configKey(node) {
    const t = node.text();
    const m =
      /^Environment\.GetEnvironmentVariable\(\s*"([^"]+)"/.exec(t) ??
      /^(?:_?[cC]onfiguration|_?config|builder\.Configuration)\[\s*"([^"]+)"\s*\]/.exec(
        t,
      ) ??
      /^(?:_?[cC]onfiguration|_?config|builder\.Configuration)\.GetValue<[^>]+>\(\s*"([^"]+)"/.exec(
        t,
      );
    return m?.[1];
  },
  fieldInits(node) {
    if (node.kind() !== 'object_creation_expression') return [];
    const type = node.field('type' as any)?.text() ?? '';
    const init = namedChildren(node).find(
      c => c.kind() === 'initializer_expression',
    );
    if (!init) return [];
    return namedChildren(init)
      .filter(c => c.kind() === 'assignment_expression')
      .map(a => {
        const [l, r] = namedChildren(a);
        return { name: l?.text() ?? '', value: r ?? a, owner: type };
      })
      .filter(x => x.name);
  },
  assignment(node) {
    if (
      node.kind() !== 'assignment_expression' ||
      node.parent()?.kind() === 'initializer_expression'
    )
      return undefined;
    const [l, r] = namedChildren(node);
    if (!l || !r || l.kind() !== 'member_access_expression') return undefined;
    return { left: l.text(), value: r };
  },
  stringKinds: [
    'string_literal',
    'verbatim_string_literal',
    'raw_string_literal',
    'interpolated_string_expression',
  ],
  stringValue: csString,
  className(node) {
    for (let p: SgNode | null = node; p; p = p.parent()) {
      if (
        /class_declaration|record_declaration|struct_declaration/.test(
          p.kind() as string,
        )
      )
        return p.field('name' as any)?.text();
    }
    return undefined;
  },
  functionName: node => node.field('name' as any)?.text(),
  isNewId: call =>
    /^(?:System\.)?Guid\.NewGuid$|^Guid\.CreateVersion7$|^Ulid\.NewUlid$/.test(
      call.callee,
    ),
  detectAnnotation: () => false,
  detect(call, walker) {
    const { method } = call;
    const pos = (i: number) => call.args[i]?.value;
    // AddHttpClient("risk", c => { c.Timeout = … }): the lambda's assignments are attributed to the client
    if (/^AddHttpClient$/.test(method)) {
      const t = httpClientTarget(call, walker);
      for (const lambda of call.lambdas) {
        for (const a of lambda.findAll({
          rule: { kind: 'assignment_expression' },
        } as any)) {
          const [l, r] = namedChildren(a);
          if (l && r && /\.Timeout$/.test(l.text()))
            walker.add('timeout', a, {
              ...withDuration(walker.durationMs(r)),
              library: 'AddHttpClient Timeout',
              ...t,
            });
        }
      }
      return;
    }
    if (/^AddStandardResilienceHandler$/.test(method)) {
      const client = chainedClient(call);
      const t = client
        ? httpClientTarget(client, walker)
        : walker.enclosingTarget(call.node);
      const configured = call.lambdas[0]?.text() ?? '';
      const attempts = /MaxRetryAttempts\s*=\s*(\d+)/.exec(configured);
      walker.add('retry', call.node, {
        ...withAttempts(
          attempts
            ? { value: Number(attempts[1]), how: 'literal' }
            : {
                why: 'library default (standard resilience handler: 3 retries)',
              },
          'retries',
        ),
        library: 'AddStandardResilienceHandler',
        ...t,
      });
      const total = /TotalRequestTimeout\.Timeout\s*=\s*([^;]+);/.exec(
        configured,
      );
      walker.add('timeout', call.node, {
        ...(total
          ? { unresolved: `set in the handler's options: ${total[1].trim()}` }
          : {
              unresolved:
                'library default (standard resilience handler: 30s total, 10s per attempt)',
            }),
        library: 'AddStandardResilienceHandler',
        ...t,
      });
      return;
    }
    if (/^AddResilienceHandler$/.test(method)) {
      const client = chainedClient(call);
      const name = pos(0) ? csString(pos(0)!) : undefined;
      const named = name ? serviceFromIdentifier(name) : undefined;
      let t = walker.enclosingTarget(call.node);
      if (client) t = httpClientTarget(client, walker);
      else if (named) t = { target: named, targetFrom: `pipeline ${name}` };
      // the strategies inside (AddRetry, AddTimeout) are found as calls in the lambda, with this target
      for (const lambda of call.lambdas) {
        for (const inner of lambda.findAll({
          rule: { kind: 'invocation_expression' },
        } as any)) {
          const c = csharp.call(inner);
          if (c && /^AddTimeout$/.test(c.method) && c.args[0])
            walker.add('timeout', inner, {
              ...withDuration(walker.durationMs(c.args[0].value)),
              library: 'resilience pipeline AddTimeout',
              ...t,
            });
        }
        for (const init of lambda.findAll({
          rule: { kind: 'assignment_expression' },
        } as any)) {
          const [l, r] = namedChildren(init);
          if (l?.text() === 'MaxRetryAttempts' && r)
            walker.add('retry', init, {
              ...withAttempts(walker.count(r), 'retries'),
              library: 'resilience pipeline AddRetry',
              ...t,
            });
        }
      }
      return;
    }
    // Polly v7: Policy.Handle<…>().RetryAsync(3) / WaitAndRetryAsync(3, …); RetryForever: no bound
    if (
      /^(?:Retry|RetryAsync|WaitAndRetry|WaitAndRetryAsync)$/.test(method) &&
      pos(0)
    ) {
      const first = pos(0)!;
      const counted =
        /lambda|array|collection|implicit_array|initializer/.test(
          first.kind() as string,
        ) || /new\s*\[\]|TimeSpan/.test(first.text());
      let n: Resolved = walker.count(first);
      if (counted) {
        const listed =
          first.kind() === 'implicit_array_creation_expression' ||
          /new\s*\[\]|\{/.test(first.text());
        n = listed
          ? {
              value:
                (first.text().match(/TimeSpan\./g) ?? []).length || undefined,
              how: 'one retry per delay listed',
            }
          : { why: `not resolvable statically (${first.text().slice(0, 60)})` };
      }
      walker.add('retry', call.node, {
        ...withAttempts(n, 'retries'),
        library: `Polly ${method}`,
        ...policyTarget(call, walker),
      });
      return;
    }
    if (
      /^(?:Timeout|TimeoutAsync)$/.test(method) &&
      /Policy/.test(call.receiver ?? '') &&
      pos(0)
    ) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(pos(0)!)),
        library: `Polly ${method}`,
        ...policyTarget(call, walker),
      });
      return;
    }
    // Polly v8: new ResiliencePipelineBuilder().AddTimeout(TimeSpan…)
    if (
      /^AddTimeout$/.test(method) &&
      pos(0) &&
      !call.node
        .ancestors()
        .some(
          a =>
            a.kind() === 'invocation_expression' &&
            /AddResilienceHandler/.test(a.text().slice(0, 200)),
        )
    ) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(pos(0)!)),
        library: 'Polly AddTimeout',
        ...policyTarget(call, walker),
      });
      return;
    }
    // EF Core: options.EnableRetryOnFailure(5)
    if (/^EnableRetryOnFailure$/.test(method)) {
      const n = pos(0)
        ? walker.count(pos(0)!)
        : { why: 'library default (EF Core: 6 retries)' };
      walker.add('retry', call.node, {
        ...withAttempts(n, 'retries'),
        library: 'EF Core EnableRetryOnFailure',
        ...policyTarget(call, walker),
      });
      return;
    }
    // CancellationTokenSource: new CancellationTokenSource(TimeSpan…), cts.CancelAfter(500)
    if (
      (call.isNew && /^CancellationTokenSource$/.test(method) && pos(0)) ||
      (/^CancelAfter$/.test(method) && pos(0))
    ) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(pos(0)!)),
        library: call.isNew ? 'CancellationTokenSource' : 'CancelAfter',
        ...policyTarget(call, walker),
      });
      return;
    }
    // gRPC: client.ScoreAsync(req, deadline: DateTime.UtcNow.AddSeconds(2))
    const deadline = call.args.find(a => a.name === 'deadline');
    if (deadline) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(deadline.value)),
        library: 'gRPC deadline',
        ...(walker.callTarget(call) ?? walker.enclosingTarget(call.node)),
      });
    }
  },
};

/** The AddHttpClient call a chained `.AddStandardResilienceHandler()` hangs on. */
function chainedClient(call: Call): Call | undefined {
  for (let n: SgNode | undefined = call.receiverNode; n; ) {
    if (n.kind() === 'invocation_expression') {
      const c = csharp.call(n);
      if (c && /^AddHttpClient/.test(c.method)) return c;
      n = c?.receiverNode;
    } else return undefined;
  }
  return undefined;
}

/**
 * The target of a policy: the named or typed client it is attached to
 * (`AddHttpClient("risk").AddTransientHttpErrorPolicy(p => p.WaitAndRetryAsync(3, …))`), else
 * what the code around it shows.
 */
function policyTarget(call: Call, walker: TreeWalker) {
  for (const a of call.node.ancestors()) {
    if (a.kind() !== 'invocation_expression') continue;
    const outer = csharp.call(a);
    if (
      outer &&
      /^(?:AddTransientHttpErrorPolicy|AddPolicyHandler|AddResilienceHandler|AddStandardResilienceHandler)$/.test(
        outer.method,
      )
    ) {
      const client = chainedClient(outer);
      if (client) return httpClientTarget(client, walker);
    }
  }
  return walker.enclosingTarget(call.node);
}
