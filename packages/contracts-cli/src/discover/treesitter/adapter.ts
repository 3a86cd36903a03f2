/*
 * The one shape every tree-sitter language maps its syntax to (`LanguageAdapter`: calls,
 * loops, error handlers, constants, durations), and the helpers the adapters share.
 */
import type { SgNode } from '@ast-grep/napi';
import type { Resolved } from '../core';
import type { TreeLanguage } from './parse';
import type { TreeResolver } from './resolver';
import type { TreeWalker } from './walker';

/** A call in any of the languages. */
export interface Call {
  node: SgNode;
  /** `requests.post`, `context.WithTimeout`, `client.newBuilder().connectTimeout` → `connectTimeout` is `method`. */
  callee: string;
  method: string;
  /** The receiver's text (`self.risk_client`), if any. */
  receiver?: string;
  receiverNode?: SgNode;
  args: Array<{ name?: string; value: SgNode }>;
  /** Lambdas / closures given to the call (trailing lambdas in Kotlin). */
  lambdas: SgNode[];
  /** `new X(...)` / composite literals: the type. */
  isNew?: boolean;
  /** The node naming the method, in a member call. */
  nameNode?: SgNode;
}

/** What each language says about its syntax. */
export interface LanguageAdapter {
  language: TreeLanguage;
  /** Node kinds of identifiers. */
  identifierKinds: string[];
  /** Node kinds of calls (and object creations). */
  callKinds: string[];
  call(node: SgNode): Call | undefined;
  /** A loop and its condition / iterable and body. */
  loopKinds: string[];
  loopBound(
    node: SgNode,
    walker: TreeWalker,
  ):
    | { attempts: Resolved; counts: 'all-tries' | 'retries'; head: string }
    | undefined;
  /** Catch / except clauses; Go: `if err != nil` blocks. */
  isErrorHandler(node: SgNode): boolean;
  functionKinds: string[];
  lambdaKinds: string[];
  /** Decorators / annotations of a function or class. */
  annotations(node: SgNode): SgNode[];
  /** Constants declared in a file: name → value node. */
  constants(root: SgNode): Array<{ name: string; value: SgNode }>;
  /** The duration an expression denotes in this language's idiom, when it has a unit. */
  durationOf(node: SgNode, walker: TreeResolver): Resolved | undefined;
  /** Bare numbers as durations: milliseconds per unit (Python: seconds, Go: nanoseconds). */
  bareUnitMs: number;
  /** `os.getenv("X")`, `System.getenv("X")`, `configuration["X"]`: the key. */
  configKey(node: SgNode): string | undefined;
  /** Field initializers: `Timeout: 5*time.Second` in Go composite literals, C# object initializers. */
  fieldInits(
    node: SgNode,
  ): Array<{ name: string; value: SgNode; owner: string }>;
  /** Assignments `client.Timeout = ...`: target text and value. */
  assignment(node: SgNode): { left: string; value: SgNode } | undefined;
  stringKinds: string[];
  /** The text of a string literal without quotes (interpolations kept as `{x}`). */
  stringValue(node: SgNode): string | undefined;
  /** The class / struct a node is in, its name. */
  className(node: SgNode): string | undefined;
  /** Name of a function node. */
  functionName(node: SgNode): string | undefined;
  /** Library knowledge: the facts a call states. */
  detect(call: Call, walker: TreeWalker): void;
  /** Decorators / annotations that make a function a retry path, and what they state. */
  detectAnnotation(annotation: SgNode, fn: SgNode, walker: TreeWalker): boolean;
  /** Whether this call is a random id. */
  isNewId(call: Call): boolean;
}

// ---- helpers the adapters share --------------------------------------------------------

export function namedChildren(node: SgNode): SgNode[] {
  return node.children().filter(c => c.isNamed());
}

/** Loop bounds: `range(3)`, `range(1, MAX + 1)`, `i < 3`, `i <= MAX`. */
export function boundFrom(
  walker: TreeResolver,
  start: SgNode | undefined,
  op: string,
  bound: SgNode,
  counter: string,
): { attempts: Resolved; counts: 'all-tries' | 'retries' } {
  const s = start ? walker.count(start) : { value: 0, how: 'literal' };
  const b = walker.count(bound);
  const counts = /retr/i.test(counter) ? 'retries' : 'all-tries';
  if (b.value === undefined) return { attempts: b, counts };
  if (s.value === undefined) return { attempts: s, counts };
  let n: number | undefined;
  if (op === '<=') n = b.value - s.value + 1;
  else if (op === '<') n = b.value - s.value;
  return n === undefined
    ? { attempts: { why: `not resolvable statically (loop ${op})` }, counts }
    : { attempts: { value: n, how: b.how }, counts };
}

/** Whether a loop body retries a call: it catches errors (try / `err != nil`) and names attempts or goes round again. */
export function looksLikeRetryLoop(
  body: SgNode,
  counter: string,
  adapter: LanguageAdapter,
): boolean {
  const text = body.text();
  const named = /attempt|retr|tries|\btry\b/i.test(counter);
  const catches =
    /\b(?:try|except|catch)\b|err\s*!=\s*nil|\.isSuccess|\.ok\b|status_code|StatusCode|IsSuccessStatusCode/.test(
      text,
    );
  const calls =
    body.find({
      rule: { any: adapter.callKinds.map(k => ({ kind: k })) },
    } as any) !== null;
  return (
    calls &&
    catches &&
    (named || /\b(?:continue|sleep|Sleep|delay|Delay|backoff)\b/.test(text))
  );
}
