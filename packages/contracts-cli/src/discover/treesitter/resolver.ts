/*
 * What the expressions of one tree-sitter file stand for: numbers and durations (literals,
 * arithmetic, units, constants of the project) and the service a call goes to (a URL argument,
 * the client's name, the function or class around it).
 */
import type { SgNode } from '@ast-grep/napi';
import {
  firstTarget,
  NO_TARGET,
  oneLine,
  parseDurationString,
  parseNumberLiteral,
  type Resolved,
  serviceFromConfigKey,
  serviceFromIdentifier,
  serviceFromUrl,
  soleTarget,
  type SourceFile,
  type Target,
  UNIT_MS,
} from '../core';
import { type Call, type LanguageAdapter, namedChildren } from './adapter';

/** Names of variables and fields that hold a client (a service's name in them names the callee). */
const CLIENTISH =
  /client|api|svc|service|stub|http|gateway|conn|channel|session|sdk|proxy|repo|producer|publisher/i;

/** Declarations whose name may name the client they hold. */
const DECLARATION =
  /^(?:property_declaration|variable_declarator|short_var_declaration|local_variable_declaration|field_declaration|assignment|var_spec|local_declaration_statement)$/;

const NUMBER_KINDS = new Set([
  'integer',
  'float',
  'int_literal',
  'float_literal',
  'decimal_integer_literal',
  'decimal_floating_point_literal',
  'hex_integer_literal',
  'integer_literal',
  'long_literal',
  'real_literal',
  'number_literal',
]);

const BINARY_KINDS = new Set([
  'binary_operator',
  'binary_expression',
  'multiplicative_expression',
  'additive_expression',
]);

/** Values and targets of one file's expressions; the detectors build on them (`TreeWalker`). */
export class TreeResolver {
  constructor(
    readonly adapter: LanguageAdapter,
    readonly file: SourceFile,
    protected readonly project: ConstantTable,
  ) {}

  /** A duration in ms; bare numbers in the language's unit (`bareUnitMs`) unless given. */
  durationMs(node: SgNode, bareUnitMs = this.adapter.bareUnitMs): Resolved {
    const r = this.value(node, 0);
    if (r.value === undefined) return r;
    if (r.unit) return { value: r.value, how: r.how };
    const ms = r.value * bareUnitMs;
    const unit =
      { 1000: 's', 1: 'ms', 0.000001: 'ns' }[bareUnitMs] ?? `×${bareUnitMs}ms`;
    return {
      value: ms,
      how:
        bareUnitMs === 1
          ? r.how
          : `${r.value} ${unit} → ${ms} ms${
              r.how && r.how !== 'literal' ? `, ${r.how}` : ''
            }`,
    };
  }

  /** A plain number (attempts). */
  count(node: SgNode): Resolved {
    const r = this.value(node, 0);
    return r.value === undefined ? r : { value: r.value, how: r.how };
  }

  /** Evaluates literals, arithmetic, units and constants; `unit` when the value is a duration in ms. */
  value(node: SgNode, depth: number): Resolved & { unit?: boolean } {
    if (depth > 8) return { why: 'not resolvable statically (too deep)' };
    const kind = node.kind() as string;
    const text = node.text();
    const a = this.adapter;
    if (NUMBER_KINDS.has(kind)) {
      const n = parseNumberLiteral(text);
      return n === undefined
        ? { why: `not a number: ${text}` }
        : { value: n, how: 'literal' };
    }
    if (
      kind === 'parenthesized_expression' ||
      kind === 'argument' ||
      kind === 'value_argument' ||
      kind === 'literal_element' ||
      kind === 'expression_list'
    ) {
      const inner = node
        .children()
        .find(
          c =>
            (c.isNamed() && c.kind() !== 'simple_identifier') ||
            (c.isNamed() &&
              node.children().filter(x => x.isNamed()).length === 1),
        );
      const named = node.children().filter(c => c.isNamed());
      const last = named[named.length - 1] ?? inner;
      return last ? this.value(last, depth + 1) : { why: 'empty' };
    }
    const duration = a.durationOf(node, this);
    if (duration) return { ...duration, unit: duration.value !== undefined };
    if (a.stringKinds.includes(kind)) {
      const s = a.stringValue(node);
      if (s !== undefined) {
        const d = parseDurationString(s);
        if (d !== undefined)
          return { value: d, unit: true, how: `${s} → ${d} ms` };
        const n = parseNumberLiteral(s);
        if (n !== undefined) return { value: n, how: 'literal' };
      }
      return { why: `not resolvable statically (${oneLine(text, 60)})` };
    }
    if (BINARY_KINDS.has(kind)) {
      const named = node.children().filter(c => c.isNamed());
      const op =
        node
          .children()
          .find(c => !c.isNamed())
          ?.text() ?? node.field('operator' as any)?.text();
      if (named.length === 2 && op) {
        const l = this.value(named[0], depth + 1);
        const r = this.value(named[1], depth + 1);
        if (l.value === undefined) return l;
        if (r.value === undefined) return r;
        const how =
          [l.how, r.how].filter(h => h && h !== 'literal').join(', ') ||
          'literal';
        const unit = l.unit || r.unit;
        switch (op) {
          case '*':
            return { value: l.value * r.value, unit, how };
          case '+':
            return { value: l.value + r.value, unit, how };
          case '-':
            return { value: l.value - r.value, unit, how };
          case '/':
          case '//':
            return r.value
              ? { value: l.value / r.value, unit: l.unit && !r.unit, how }
              : { why: 'division by zero' };
          default:
            return { why: `not resolvable statically (${oneLine(text, 60)})` };
        }
      }
    }
    const key = a.configKey(node);
    if (key) return { why: `not resolvable statically (config key ${key})` };
    if (
      /^(?:identifier|simple_identifier|field_identifier)$/.test(kind) ||
      /^(?:attribute|selector_expression|field_access|member_access_expression|navigation_expression)$/.test(
        kind,
      )
    ) {
      const name = text.split('.').pop()!;
      const c = this.project.lookup(name, this.file.path);
      if (c) {
        const r = c.walker.value(c.value, depth + 1);
        if (r.value !== undefined)
          return {
            ...r,
            how: `constant ${name} (${c.file}:${
              c.value.range().start.line + 1
            })`,
          };
        return r;
      }
      return {
        why: `not resolvable statically (${
          /^[A-Z0-9_]+$/.test(name) ||
          /config|settings|options|conf|env/i.test(text)
            ? `value of ${oneLine(text, 60)}`
            : `variable ${oneLine(text, 60)}`
        })`,
      };
    }
    // int(os.getenv("X", "5")), float(...), Number(...)
    if (a.callKinds.includes(kind)) {
      const call = a.call(node);
      if (
        call &&
        /^(?:int|float|long|Integer\.parseInt|Long\.parseLong|Duration|time\.Duration|int64|int32|float64|Convert\.ToInt32|Convert\.ToDouble|TimeSpan)$/.test(
          call.callee,
        ) &&
        call.args[0]
      ) {
        return this.value(call.args[0].value, depth + 1);
      }
    }
    return { why: `not resolvable statically (${oneLine(text, 60)})` };
  }

  // ---- targets --------------------------------------------------------------------------

  /** The service a URL-like expression names. */
  urlTarget(node: SgNode | undefined, depth = 0): Target | undefined {
    if (!node || depth > 4) return undefined;
    const a = this.adapter;
    const kind = node.kind() as string;
    if (a.stringKinds.includes(kind)) {
      const s = a.stringValue(node) ?? '';
      const direct = serviceFromUrl(s);
      if (direct?.target) return direct;
      // f"{RISK_URL}/score", "${riskUrl}/x", fmt strings: the interpolated names
      for (const sub of node.findAll({
        rule: { any: a.identifierKinds.map(k => ({ kind: k })) },
      } as any)) {
        const t = this.urlTarget(sub, depth + 1);
        if (t?.target) return t;
      }
      return direct;
    }
    const key = a.configKey(node);
    if (key) {
      const target = serviceFromConfigKey(key);
      return target
        ? { target, targetFrom: `config key ${key}` }
        : { targetFrom: `config key ${key} names no service` };
    }
    if (
      /identifier|attribute|selector_expression|field_access|member_access_expression|navigation_expression/.test(
        kind,
      )
    ) {
      const name = node.text().split('.').pop()!;
      const c = this.project.lookup(name, this.file.path);
      const via = c && c.walker.urlTarget(c.value, depth + 1);
      if (via?.target) return via;
      if (/url|uri|host|addr|endpoint|base|target|server/i.test(name)) {
        const target = serviceFromConfigKey(name);
        if (target)
          return { target, targetFrom: `config value ${node.text()}` };
      }
      return via;
    }
    if (
      BINARY_KINDS.has(kind) ||
      a.callKinds.includes(kind) ||
      kind === 'argument' ||
      kind === 'value_argument' ||
      kind === 'interpolation' ||
      kind === 'argument_list'
    ) {
      for (const child of node.children()) {
        if (!child.isNamed()) continue;
        const t = this.urlTarget(child, depth + 1);
        if (t?.target) return t;
      }
    }
    return undefined;
  }

  /** The target of one call: a URL argument, the client's name, the variable it is assigned to. */
  callTarget(call: Call): Target | undefined {
    const hints: Array<Target | undefined> = [];
    for (const arg of call.args) {
      if (
        !arg.name ||
        /^(?:url|uri|base_?url|host|target|endpoint|address|name|client_?name)$/i.test(
          arg.name,
        )
      ) {
        hints.push(this.urlTarget(arg.value));
      }
    }
    // the receiver's names before any call in it: `riskClient` of `riskClient.newCall(…).execute`
    const typed = ['java', 'kotlin', 'csharp'].includes(this.adapter.language);
    const receiverParts = (call.receiver ?? '')
      .replace(/\(.*$/s, '')
      .split(/\.|->|::/)
      .filter(part => !(typed && /^[A-Z]/.test(part)))
      .filter(Boolean)
      .reverse();
    for (const part of receiverParts) {
      const clean = part.replace(/<.*$/, '').replace(/\(.*$/, '');
      const name = CLIENTISH.test(clean)
        ? serviceFromIdentifier(clean)
        : undefined;
      if (name && !/^(?:new|with|builder|build|create|get)/i.test(clean)) {
        hints.push({ target: name, targetFrom: `client ${clean}` });
        break;
      }
    }
    if (
      call.isNew ||
      /^(?:New\w+Client|new\w+Client|\w+Client|\w+Stub|\w+BlockingStub|\w+ServiceClient)$/.test(
        call.method,
      )
    ) {
      const name = serviceFromIdentifier(call.method.replace(/^New/, ''));
      if (name && /client|stub|service/i.test(call.method))
        hints.push({ target: name, targetFrom: `client ${call.method}` });
    }
    return firstTarget(...hints);
  }

  /** The target for a fact at a node: its call, else the enclosing function's one target, else the class. */
  enclosingTarget(node: SgNode): Target {
    const a = this.adapter;
    for (let p: SgNode | null = node; p; p = p.parent()) {
      const kind = p.kind() as string;
      if (a.callKinds.includes(kind)) {
        const call = a.call(p);
        const t =
          call && !this.ignorable(call) ? this.callTarget(call) : undefined;
        if (t?.target) return t;
      }
      // val ledgerClient = HttpClient(CIO) { … }: the variable that holds the client
      if (p !== node && DECLARATION.test(kind)) {
        const kids = namedChildren(p);
        const declarator = kids.find(c =>
          /^(?:variable_declarator|variable_declaration)$/.test(
            c.kind() as string,
          ),
        );
        const named = declarator
          ? declarator.field('name' as any) ?? namedChildren(declarator)[0]
          : kids.find(
              c =>
                a.identifierKinds.includes(c.kind() as string) ||
                c.kind() === 'expression_list',
            );
        const name = named?.text().split(/[\s,:=]/)[0];
        const svc =
          name && CLIENTISH.test(name)
            ? serviceFromIdentifier(name)
            : undefined;
        if (svc) return { target: svc, targetFrom: `client ${name}` };
      }
      if (a.functionKinds.includes(kind)) {
        // a lambda whose calls name no service: the code around it may
        if (a.lambdaKinds.includes(kind)) {
          const t = this.functionTarget(p, false);
          if (t?.target) return t;
          continue;
        }
        return this.functionTarget(p) ?? NO_TARGET;
      }
    }
    // a field of a class: the class's name (RiskClient)
    const cls = a.className(node);
    const fromClass = cls && serviceFromIdentifier(cls);
    if (fromClass && /client|api|gateway|proxy|adapter|stub/i.test(cls!))
      return { target: fromClass, targetFrom: `class ${cls}` };
    return NO_TARGET;
  }

  /** The one service the calls of the function around a node go to. */
  functionTarget(node: SgNode, classFallback = true): Target | undefined {
    const a = this.adapter;
    let fn: SgNode | null = node;
    while (fn && !a.functionKinds.includes(fn.kind() as string))
      fn = fn.parent();
    const scope = fn ?? node;
    const found = new Map<string, Target>();
    const calls = scope.findAll({
      rule: { any: a.callKinds.map(k => ({ kind: k })) },
    } as any);
    for (const c of calls) {
      const call = a.call(c);
      if (!call || this.ignorable(call)) continue;
      const t = this.callTarget(call);
      if (t?.target && !found.has(t.target)) found.set(t.target, t);
    }
    const sole = soleTarget(found);
    if (sole) return sole;
    if (!classFallback) return undefined;
    // annotations on the function (@Retry(name = "risk"), @FeignClient)
    const cls = a.className(scope);
    const fromClass = cls && serviceFromIdentifier(cls);
    if (
      fromClass &&
      /client|api|gateway|proxy|adapter|service|stub|repository/i.test(cls!)
    ) {
      return { target: fromClass, targetFrom: `class ${cls}` };
    }
    return undefined;
  }

  ignorable(call: Call): boolean {
    return /^(?:print|len|str|int|float|range|isinstance|log\w*|logger\.\w+|logging\.\w+|fmt\.\w+|errors\.\w+|time\.\w+|json\.\w+|strconv\.\w+|String\.\w+|Math\.\w+|Console\.\w+|System\.out\.\w+|uuid\.\w+|UUID\.\w+|Guid\.\w+|TimeSpan\.\w+|Duration\.\w+|TimeUnit\.\w+|os\.\w+|System\.getenv|context\.\w+)$/.test(
      call.callee,
    );
  }

  unitMs(name: string): number | undefined {
    return UNIT_MS[name.toLowerCase()];
  }
}

/** Constants of every file of one language, by name. */
export class ConstantTable {
  private readonly byName = new Map<
    string,
    Array<{ file: string; value: SgNode; walker: TreeResolver }>
  >();

  add(name: string, file: string, value: SgNode, walker: TreeResolver) {
    const list = this.byName.get(name);
    if (list) list.push({ file, value, walker });
    else this.byName.set(name, [{ file, value, walker }]);
  }

  /** The constant: in the same file, else the only one of that name in the project. */
  lookup(name: string, file: string) {
    const list = this.byName.get(name);
    if (!list) return undefined;
    const local = list.find(c => c.file === file);
    if (local) return local;
    if (list.length === 1) return list[0];
    // several files define it: only when they agree on the text
    const texts = new Set(list.map(c => c.value.text()));
    return texts.size === 1 ? list[0] : undefined;
  }
}
