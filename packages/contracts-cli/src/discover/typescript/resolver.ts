/*
 * What the expressions of one file stand for: durations in milliseconds (literals, arithmetic,
 * constants across relative imports, configuration keys) and the service a call goes to (its
 * URL, its client's name, the function or class around it).
 */
import type * as TS from 'typescript';
import {
  firstTarget,
  NO_TARGET,
  oneLine,
  parseDurationString,
  type Resolved,
  serviceFromConfigKey,
  serviceFromIdentifier,
  serviceFromUrl,
  soleTarget,
  type Target,
} from '../core';
import type { ModuleConstants, TsProject } from './project';
import {
  assignedName,
  calleeText,
  envKey,
  findAncestor,
  functionName,
  isFunctionLike,
  propName,
  skipParens,
  ts,
} from './syntax';

/** Names of variables that hold a client (a service's name in them names the callee). */
const CLIENTISH =
  /client|api|svc|service|stub|http|gateway|conn|channel|session|sdk|proxy/i;

/** Values and targets of one file's expressions; the detectors build on them (`FileWalker`). */
export class TsResolver {
  protected readonly file: TS.SourceFile;

  constructor(
    protected readonly project: TsProject,
    protected readonly mod: ModuleConstants,
  ) {
    this.file = mod.file;
  }

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
    const sole = soleTarget(found);
    if (sole) return sole;
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
}
