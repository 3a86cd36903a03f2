/*
 * Python: requests, httpx, aiohttp, urllib3, grpc, asyncio timeouts (seconds); tenacity,
 * backoff, urllib3 Retry, retrying and hand-written loops; uuid4 in a retry path.
 */
import type { SgNode } from '@ast-grep/napi';
import { NO_TARGET, type Resolved, withAttempts, withDuration } from './core';
import {
  boundFrom,
  type Call,
  type LanguageAdapter,
  looksLikeRetryLoop,
  namedChildren,
} from './treesitter';

/** Keyword arguments that are client timeouts, in seconds unless they say ms. */
const TIMEOUT_KW =
  /^(?:timeout|connect_timeout|read_timeout|write_timeout|pool_timeout|socket_timeout|socket_connect_timeout|request_timeout|total|sock_read|sock_connect|deadline|timeout_ms|timeout_seconds|statement_timeout|command_timeout)$/;
/** Calls whose `timeout=` is no client timeout. */
const NOT_A_CLIENT =
  /(?:^|\.)(?:sleep|join|wait|acquire|get_nowait|result|subprocess\.\w+|run|check_output|check_call|Popen|communicate|select|poll|settimeout|alarm|Thread|Process|Event|Lock|Queue|put|pytest\.\w+|fixture|mark\.\w+|cache|lru_cache|ttl_cache|cached|patch|setdefault|pop|wait_for_selector|wait_for_timeout|expect|spawn)$/;
const UUID_CALL =
  /^(?:uuid\.)?(?:uuid4|uuid1|uuid7)$|^(?:secrets\.token_hex|secrets\.token_urlsafe|ulid\.new|ulid\.ulid|shortuuid\.uuid|nanoid\.generate|generate_id|new_id)$/;

function pyString(node: SgNode): string | undefined {
  if (node.kind() !== 'string' && node.kind() !== 'concatenated_string')
    return undefined;
  if (node.kind() === 'concatenated_string')
    return namedChildren(node)
      .map(n => pyString(n) ?? '')
      .join('');
  return node
    .children()
    .map(c => {
      const k = c.kind() as string;
      if (k === 'string_content' || k === 'escape_sequence') return c.text();
      if (k === 'interpolation')
        return `{${namedChildren(c)[0]?.text() ?? ''}}`;
      return '';
    })
    .join('');
}

function calleeParts(fn: SgNode): {
  callee: string;
  method: string;
  receiver?: string;
  receiverNode?: SgNode;
  nameNode?: SgNode;
} {
  const callee = fn.text().replace(/\s+/g, '');
  if (fn.kind() === 'attribute') {
    const object = fn.field('object' as any);
    const attr = fn.field('attribute' as any);
    return {
      callee,
      nameNode: attr ?? undefined,
      method: attr?.text() ?? callee,
      receiver: object?.text().replace(/\s+/g, ''),
      receiverNode: object ?? undefined,
    };
  }
  return { callee, method: callee.split('.').pop() ?? callee };
}

function kwarg(call: Call, name: string): SgNode | undefined {
  return call.args.find(a => a.name === name)?.value;
}

export const python: LanguageAdapter = {
  language: 'python',
  identifierKinds: ['identifier'],
  callKinds: ['call'],
  call(node) {
    const fn = node.field('function' as any);
    const argList = node.field('arguments' as any);
    if (!fn) return undefined;
    const args: Call['args'] = [];
    const lambdas: SgNode[] = [];
    for (const a of argList ? namedChildren(argList) : []) {
      if (a.kind() === 'keyword_argument') {
        const name = a.field('name' as any)?.text();
        const value = a.field('value' as any);
        if (value) args.push({ name, value });
        if (value?.kind() === 'lambda') lambdas.push(value);
      } else if (a.kind() !== 'comment') {
        args.push({ value: a });
        if (a.kind() === 'lambda') lambdas.push(a);
      }
    }
    return { node, ...calleeParts(fn), args, lambdas };
  },
  loopKinds: ['for_statement', 'while_statement'],
  loopBound(node, walker) {
    const body = node.field('body' as any);
    if (!body) return undefined;
    if (node.kind() === 'for_statement') {
      const left = node.field('left' as any)?.text() ?? '';
      const right = node.field('right' as any);
      if (
        !right ||
        right.kind() !== 'call' ||
        !/^(?:range|xrange)$/.test(right.field('function' as any)?.text() ?? '')
      )
        return undefined;
      if (!looksLikeRetryLoop(body, left, python)) return undefined;
      const args = namedChildren(right.field('arguments' as any)!);
      const [start, stop] =
        args.length >= 2 ? [args[0], args[1]] : [undefined, args[0]];
      if (!stop) return undefined;
      const b = boundFrom(walker, start, '<', stop, left);
      return { ...b, head: `for ${left} in ${right.text()}:` };
    }
    const cond = node.field('condition' as any);
    if (!cond) return undefined;
    const condText = cond.text();
    if (!looksLikeRetryLoop(body, condText, python)) return undefined;
    if (cond.kind() === 'comparison_operator') {
      const [l, r] = namedChildren(cond);
      const op =
        cond
          .children()
          .find(c => !c.isNamed())
          ?.text() ?? '';
      if (l && r && (op === '<' || op === '<=')) {
        const b = boundFrom(walker, undefined, op, r, l.text());
        return { ...b, head: `while ${condText}:` };
      }
    }
    return {
      attempts: { why: 'not resolvable statically (loop without a bound)' },
      counts: 'all-tries',
      head: `while ${condText}:`,
    };
  },
  isErrorHandler(node) {
    return node.kind() === 'except_clause';
  },
  functionKinds: ['function_definition'],
  lambdaKinds: ['lambda'],
  annotations(node) {
    const parent = node.parent();
    if (parent?.kind() !== 'decorated_definition') return [];
    return parent.children().filter(c => c.kind() === 'decorator');
  },
  constants(root) {
    const out: Array<{ name: string; value: SgNode }> = [];
    const visit = (n: SgNode, depth: number) => {
      for (const c of namedChildren(n)) {
        if (c.kind() === 'expression_statement') {
          const a = namedChildren(c)[0];
          if (a?.kind() === 'assignment') {
            const left = a.field('left' as any);
            const right = a.field('right' as any);
            if (left?.kind() === 'identifier' && right)
              out.push({ name: left.text(), value: right });
          }
        } else if (
          depth < 2 &&
          (c.kind() === 'class_definition' || c.kind() === 'block')
        ) {
          visit(
            c.kind() === 'class_definition' ? c.field('body' as any) ?? c : c,
            depth + 1,
          );
        }
      }
    };
    visit(root, 0);
    return out;
  },
  durationOf(node, walker) {
    if (node.kind() !== 'call') return undefined;
    const call = python.call(node);
    if (!call) return undefined;
    // timedelta(seconds=2, milliseconds=500)
    if (/^(?:datetime\.)?timedelta$/.test(call.callee)) {
      let ms = 0;
      for (const arg of call.args) {
        const unit = arg.name ? walker.unitMs(arg.name) : 86_400_000;
        const v = walker.count(arg.value);
        if (v.value === undefined || unit === undefined)
          return v.value === undefined ? v : { why: 'unknown unit' };
        ms += v.value * unit;
      }
      return { value: ms, how: `${call.node.text()} → ${ms} ms` };
    }
    return undefined;
  },
  bareUnitMs: 1000,
  configKey(node) {
    // os.getenv("X"), os.environ["X"], os.environ.get("X"), settings.X, config("X")
    const t = node.text();
    const m =
      /^os\.(?:getenv|environ\.get)\(\s*["']([^"']+)["']/.exec(t) ??
      /^os\.environ\[\s*["']([^"']+)["']\s*\]/.exec(t) ??
      /^(?:config|env|settings\.get|getenv|environ\.get|decouple\.config)\(\s*["']([^"']+)["']/.exec(
        t,
      ) ??
      /^(?:settings|config|conf|cfg)\.([A-Z][A-Z0-9_]+)$/.exec(t);
    return m?.[1];
  },
  fieldInits() {
    return [];
  },
  assignment(node) {
    if (node.kind() !== 'assignment') return undefined;
    const left = node.field('left' as any);
    const right = node.field('right' as any);
    if (!left || !right || left.kind() !== 'attribute') return undefined;
    return { left: left.text(), value: right };
  },
  stringKinds: ['string'],
  stringValue: pyString,
  className(node) {
    for (let p: SgNode | null = node; p; p = p.parent()) {
      if (p.kind() === 'class_definition')
        return p.field('name' as any)?.text();
    }
    return undefined;
  },
  functionName(node) {
    return node.field('name' as any)?.text();
  },
  isNewId(call) {
    return UUID_CALL.test(call.callee);
  },
  detectAnnotation(decorator, fn, walker) {
    const expr = namedChildren(decorator)[0];
    if (!expr) return false;
    const text = expr.text();
    const call = expr.kind() === 'call' ? python.call(expr) : undefined;
    const name = call ? call.callee : text;
    const target = () =>
      walker.functionTarget(fn.field('body' as any) ?? fn) ?? NO_TARGET;
    // tenacity: @retry(stop=stop_after_attempt(3)), @tenacity.retry
    if (/^(?:tenacity\.)?retry$/.test(name)) {
      let attempts: Resolved = {
        why: 'library default (tenacity: retries until stopped, no stop given)',
      };
      const stop = call && kwarg(call, 'stop');
      const m = stop
        ? findCall(stop, /(?:^|\.)stop_after_attempt$/)
        : undefined;
      if (m?.args[0]) attempts = walker.count(m.args[0].value);
      else if (stop)
        attempts = { why: `not resolvable statically (stop=${stop.text()})` };
      // retrying: @retry(stop_max_attempt_number=3)
      const legacy = call && kwarg(call, 'stop_max_attempt_number');
      if (legacy) attempts = walker.count(legacy);
      walker.add('retry', decorator, {
        ...withAttempts(attempts, 'all-tries'),
        library: legacy ? 'retrying' : 'tenacity',
        ...target(),
      });
      return true;
    }
    // backoff: @backoff.on_exception(backoff.expo, Exc, max_tries=3)
    if (/^backoff\.on_(?:exception|predicate)$/.test(name) && call) {
      const tries = kwarg(call, 'max_tries');
      const maxTime = kwarg(call, 'max_time');
      let attempts: Resolved = {
        why: 'library default (backoff: no limit given)',
      };
      if (tries) attempts = walker.count(tries);
      else if (maxTime)
        attempts = {
          why: `not resolvable statically (bounded by max_time=${maxTime.text()})`,
        };
      walker.add('retry', decorator, {
        ...withAttempts(attempts, 'all-tries'),
        library: 'backoff',
        ...target(),
      });
      return true;
    }
    // stamina: @stamina.retry(on=..., attempts=3)
    if (/^stamina\.retry$/.test(name) && call) {
      const n = kwarg(call, 'attempts');
      walker.add('retry', decorator, {
        ...withAttempts(
          n
            ? walker.count(n)
            : { why: 'library default (stamina: 10 attempts)' },
          'all-tries',
        ),
        library: 'stamina',
        ...target(),
      });
      return true;
    }
    return false;
  },
  detect(call, walker) {
    const { callee, method } = call;
    // tenacity as a call: Retrying(stop=stop_after_attempt(3)), AsyncRetrying(...)
    if (/^(?:tenacity\.)?(?:Retrying|AsyncRetrying)$/.test(callee)) {
      const stop = kwarg(call, 'stop');
      const m = stop
        ? findCall(stop, /(?:^|\.)stop_after_attempt$/)
        : undefined;
      walker.add('retry', call.node, {
        ...withAttempts(
          m?.args[0]
            ? walker.count(m.args[0].value)
            : { why: 'not resolvable statically (no stop_after_attempt)' },
          'all-tries',
        ),
        library: 'tenacity',
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    // urllib3 Retry(total=3) / Retry(3); HTTPAdapter(max_retries=3)
    if (/^(?:urllib3\.(?:util\.)?(?:retry\.)?)?Retry$/.test(callee)) {
      const total = kwarg(call, 'total') ?? call.args.find(a => !a.name)?.value;
      walker.add('retry', call.node, {
        ...withAttempts(
          total
            ? walker.count(total)
            : { why: 'library default (urllib3 Retry: total=10)' },
          'retries',
        ),
        library: 'urllib3 Retry',
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    if (/(?:^|\.)HTTPAdapter$/.test(callee)) {
      const n = kwarg(call, 'max_retries');
      if (n && n.kind() !== 'call' && n.kind() !== 'identifier') {
        walker.add('retry', call.node, {
          ...withAttempts(walker.count(n), 'retries'),
          library: 'requests HTTPAdapter',
          ...walker.enclosingTarget(call.node),
        });
      }
      return;
    }
    // httpx transports: httpx.HTTPTransport(retries=3)
    if (
      /(?:^|\.)(?:HTTPTransport|AsyncHTTPTransport)$/.test(callee) &&
      kwarg(call, 'retries')
    ) {
      walker.add('retry', call.node, {
        ...withAttempts(walker.count(kwarg(call, 'retries')!), 'retries'),
        library: 'httpx transport',
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    // timeouts as objects: httpx.Timeout(5.0), aiohttp.ClientTimeout(total=2), urllib3.Timeout(connect=, read=)
    if (
      /(?:^|\.)(?:Timeout|ClientTimeout)$/.test(callee) &&
      !/exceptions?|Error/.test(callee)
    ) {
      const v =
        kwarg(call, 'total') ??
        kwarg(call, 'timeout') ??
        kwarg(call, 'read') ??
        call.args.find(a => !a.name)?.value;
      if (v) {
        walker.add('timeout', call.node, {
          ...withDuration(walker.durationMs(v)),
          library: callee,
          ...walker.enclosingTarget(call.node),
        });
      }
      return;
    }
    // asyncio.wait_for(coro, 2), asyncio.timeout(2), async_timeout.timeout(2)
    if (/^(?:asyncio\.wait_for|wait_for)$/.test(callee)) {
      const v =
        kwarg(call, 'timeout') ?? call.args.filter(a => !a.name)[1]?.value;
      const inner = call.args[0]?.value;
      const innerCall =
        inner?.kind() === 'call' ? python.call(inner) : undefined;
      if (v) {
        walker.add('timeout', call.node, {
          ...withDuration(walker.durationMs(v)),
          library: 'asyncio.wait_for',
          ...((innerCall && walker.callTarget(innerCall)) ??
            walker.enclosingTarget(call.node)),
        });
      }
      return;
    }
    if (
      /^(?:asyncio\.timeout|async_timeout\.timeout|timeout_after|anyio\.fail_after|trio\.fail_after)$/.test(
        callee,
      ) &&
      call.args[0]
    ) {
      walker.add('timeout', call.node, {
        ...withDuration(walker.durationMs(call.args[0].value)),
        library: callee,
        ...walker.enclosingTarget(call.node),
      });
      return;
    }
    if (NOT_A_CLIENT.test(callee) || NOT_A_CLIENT.test(method)) return;
    // requests.get(url, timeout=0.2), client.post(..., timeout=...), stub.Score(req, timeout=0.5)
    for (const arg of call.args) {
      if (!arg.name || !TIMEOUT_KW.test(arg.name)) continue;
      if (
        arg.name === 'total' ||
        arg.name === 'sock_read' ||
        arg.name === 'sock_connect'
      )
        continue;
      let value = arg.value;
      let how = '';
      if (value.kind() === 'tuple') {
        // (connect, read): the read timeout bounds the response
        const parts = namedChildren(value);
        value = parts[parts.length - 1];
        how = 'read timeout of (connect, read)';
        if (!value) continue;
      }
      if (
        value.kind() === 'none' ||
        (value.kind() === 'call' &&
          /Timeout$/.test(value.field('function' as any)?.text() ?? ''))
      )
        continue;
      const unit = /_ms$/.test(arg.name) ? 1 : 1000;
      const r = walker.durationMs(value, unit);
      walker.add('timeout', arg.value.parent() ?? arg.value, {
        ...withDuration(
          how && r.value !== undefined ? { ...r, how: `${r.how}, ${how}` } : r,
        ),
        library: callee,
        ...(walker.callTarget(call) ?? walker.enclosingTarget(call.node)),
      });
    }
  },
};

function findCall(node: SgNode, callee: RegExp): Call | undefined {
  const all = [node, ...node.findAll({ rule: { kind: 'call' } } as any)];
  for (const n of all) {
    if (n.kind() !== 'call') continue;
    const c = python.call(n);
    if (c && callee.test(c.callee)) return c;
  }
  return undefined;
}
