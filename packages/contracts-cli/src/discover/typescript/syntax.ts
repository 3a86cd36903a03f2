/*
 * The TypeScript compiler, loaded on first use, and the syntax helpers the TypeScript walker's
 * parts share (positions, callee texts, property names, enclosing functions).
 */
import type * as TS from 'typescript';

/**
 * The compiler, loaded on first use: `contracts check` and `diff` never pay for it, nor does a
 * repository without TypeScript or JavaScript.
 */
export let ts: typeof TS;
export function compiler(): typeof TS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ts ??= require('typescript');
  return ts;
}

export function line(file: TS.SourceFile, node: TS.Node): number {
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
}

export function position(file: TS.SourceFile, node: TS.Node) {
  const p = file.getLineAndCharacterOfPosition(node.getStart(file));
  return { line: p.line + 1, column: p.character + 1 };
}

/** The text of a callee: `axios.create`, `this.riskClient.post`. */
export function calleeText(expr: TS.Expression, file: TS.SourceFile): string {
  return expr.getText(file).replace(/\s+/g, '').replace(/\?\./g, '.');
}

export function propName(name: TS.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

export function skipParens(e: TS.Expression): TS.Expression {
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
export function envKey(
  e: TS.Expression,
  file: TS.SourceFile,
): string | undefined {
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

export function objectProp(
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

export function isFunctionLike(n: TS.Node): boolean {
  return (
    ts.isArrowFunction(n) ||
    ts.isFunctionExpression(n) ||
    ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n)
  );
}

export function findAncestor<T extends TS.Node>(
  n: TS.Node,
  test: (x: TS.Node) => x is T,
): T | undefined {
  for (let p = n.parent; p; p = p.parent) if (test(p)) return p;
  return undefined;
}

export function functionName(fn: TS.Node): string | undefined {
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

export function assignedName(call: TS.Node): string | undefined {
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
