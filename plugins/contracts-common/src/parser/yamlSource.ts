/**
 * Reads YAML text into plain values that remember where each was written. Never throws:
 * syntax errors, limits and anything unexpected become problems.
 */
import {
  Document,
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
} from 'yaml';
import { CONTRACT_PARSER_LIMITS } from './limits';

/** Where one value of a document was written. */
export interface NodeEntry {
  /** Display path, e.g. `depends_on[0].timeout`. */
  path: string;
  /** Offset of the value. */
  offset: number;
  /** Offset of its key, for values of a mapping. */
  keyOffset?: number;
}

/** Line, column and display path of a value. */
export interface Located {
  line?: number;
  column?: number;
  path: string;
}

/** One YAML document of a source, as plain values with their locations. */
export interface LocatedDocument {
  file: string;
  value: unknown;
  /**
   * Where the value at a JSON pointer (as ajv's `instancePath`) was written, or its key with
   * `atKey`; the nearest parent for a pointer to nothing.
   */
  locate(pointer: string, atKey?: boolean): Located;
}

/** A problem before the entity is known. */
export interface RawProblem {
  file: string;
  line?: number;
  column?: number;
  path: string;
  message: string;
}

/** What a source gave: its non-empty documents and its problems. */
export interface ReadSource {
  documents: LocatedDocument[];
  problems: RawProblem[];
}

type Limits = typeof CONTRACT_PARSER_LIMITS;

/** Escapes one JSON-pointer segment. */
export function pointerSegment(key: string | number): string {
  return typeof key === 'number'
    ? String(key)
    : key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Unescapes one JSON-pointer segment (the inverse of {@link pointerSegment}). */
export function unescapeSegment(segment: string): string {
  return segment.includes('~')
    ? segment.replace(/~1/g, '/').replace(/~0/g, '~')
    : segment;
}

/**
 * The display path of pointer segments that name nothing written (`/0/timeout` → `[0].timeout`):
 * appended to the path of the nearest value that was.
 */
export function unlocatedSuffix(segments: string[]): string {
  let suffix = '';
  for (const raw of segments) {
    const segment = unescapeSegment(raw);
    suffix += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  return suffix;
}

/**
 * Display paths already made, by parent path and key: the same few (`depends_on[0].timeout`)
 * recur in every contract, and each normalized item keeps one. Bounded.
 */
const childPaths = new Map<string, Map<string | number, string>>();
let childPathCount = 0;
const MAX_CHILD_PATHS = 20_000;

/** Appends a key or an index to a display path. */
export function childPath(path: string, key: string | number): string {
  let byKey = childPaths.get(path);
  const known = byKey?.get(key);
  if (known !== undefined) return known;
  let child: string;
  if (typeof key === 'number') child = `${path}[${key}]`;
  else {
    const shown = /^[\w$-]+$/.test(key) ? key : JSON.stringify(key);
    child = path ? `${path}.${shown}` : shown;
  }
  if (childPathCount < MAX_CHILD_PATHS && path.length + child.length < 200) {
    if (!byKey) childPaths.set(path, (byKey = new Map()));
    byKey.set(key, child);
    childPathCount++;
  }
  return child;
}

/** Line and column (1-based) of an offset, by counting newlines: for text not parsed. */
function positionOf(
  text: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The offset at which flow collections (`[`, `{`) nest deeper than `maxDepth`, if they do.
 * Brackets inside quotes and comments count too: a false alarm needs more than `maxDepth`
 * unbalanced brackets in a string, which no contract writes.
 */
function tooDeepFlowOffset(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > maxDepth) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

class LimitExceeded {
  constructor(readonly message: string, readonly offset: number) {}
}

/** Converts one YAML document to plain values, recording locations; bounded by the limits. */
class Walker {
  nodes = new Map<string, NodeEntry>();
  /** Faults that skip one value but not the document. */
  issues: Array<{ offset: number; message: string }> = [];

  constructor(
    private readonly doc: Document.Parsed,
    private readonly limits: Limits,
    private readonly budget: { nodes: number; aliases: number },
  ) {}

  walk(
    node: unknown,
    pointer: string,
    path: string,
    depth: number,
    at: number,
    keyOffset?: number,
  ): unknown {
    if (++this.budget.nodes > this.limits.maxNodes) {
      throw new LimitExceeded(
        `more than ${this.limits.maxNodes} values (aliases counted at each use): the document is too large`,
        at,
      );
    }
    if (depth > this.limits.maxDepth) {
      throw new LimitExceeded(
        `values nest deeper than ${this.limits.maxDepth} levels`,
        at,
      );
    }
    const offset = (node as { range?: [number] } | null)?.range?.[0] ?? at;
    if (node === null || node === undefined) {
      this.nodes.set(pointer, { path, offset, keyOffset });
      return null;
    }
    if (isAlias(node)) {
      if (++this.budget.aliases > this.limits.maxAliasCount) {
        throw new LimitExceeded(
          `more than ${this.limits.maxAliasCount} aliases: the document looks like an alias bomb`,
          offset,
        );
      }
      const target = node.resolve(this.doc);
      const value = target
        ? this.walk(target, pointer, path, depth + 1, offset, keyOffset)
        : null;
      this.nodes.set(pointer, { path, offset, keyOffset });
      return value;
    }
    this.nodes.set(pointer, { path, offset, keyOffset });
    if (isScalar(node)) return scalarValue(node.value, node.source);
    if (isMap(node)) {
      const result: Record<string, unknown> = {};
      for (const pair of node.items)
        this.pair(result, pair.key, pair.value, pointer, path, depth, offset);
      return result;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        const itemPointer = `${pointer}/${index}`;
        const itemPath = childPath(path, index);
        if (isPair(item)) {
          const result: Record<string, unknown> = {};
          this.pair(
            result,
            item.key,
            item.value,
            itemPointer,
            itemPath,
            depth + 1,
            offset,
          );
          this.nodes.set(itemPointer, { path: itemPath, offset });
          return result;
        }
        return this.walk(item, itemPointer, itemPath, depth + 1, offset);
      });
    }
    return null;
  }

  private pair(
    target: Record<string, unknown>,
    keyNode: unknown,
    valueNode: unknown,
    pointer: string,
    path: string,
    depth: number,
    at: number,
  ): void {
    let keyTarget: unknown = keyNode;
    if (isAlias(keyNode)) keyTarget = keyNode.resolve(this.doc);
    const keyOffset =
      (keyNode as { range?: [number] } | null)?.range?.[0] ?? at;
    if (keyTarget !== null && keyTarget !== undefined && !isScalar(keyTarget)) {
      this.issues.push({
        offset: keyOffset,
        message: 'a key must be a plain name, not a list or a mapping',
      });
      return;
    }
    const raw = keyTarget ? keyTarget.value : null;
    if (raw === null || raw === undefined) {
      this.issues.push({ offset: keyOffset, message: 'a key is empty' });
      return;
    }
    const key =
      typeof raw === 'string'
        ? raw
        : String(scalarValue(raw, keyTarget?.source));
    const value = this.walk(
      valueNode,
      `${pointer}/${pointerSegment(key)}`,
      childPath(path, key),
      depth + 1,
      keyOffset,
      keyOffset,
    );
    if (key === '__proto__') {
      Object.defineProperty(target, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else target[key] = value;
  }
}

function scalarValue(value: unknown, source?: string): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return Number(value);
    default:
      return value === null || value === undefined
        ? null
        : source ?? String(value);
  }
}

/**
 * Reads every YAML document of a source. Empty documents are skipped; a source with nothing
 * but empty documents is a problem.
 */
export function readYamlSource(
  file: string,
  text: unknown,
  limits: Limits = CONTRACT_PARSER_LIMITS,
): ReadSource {
  const problems: RawProblem[] = [];
  const documents: LocatedDocument[] = [];
  if (typeof text !== 'string') {
    problems.push({
      file,
      path: '',
      message: `the contract text must be a string, got ${describeType(text)}`,
    });
    return { documents, problems };
  }
  if (text.length > limits.maxSourceLength) {
    problems.push({
      file,
      line: 1,
      column: 1,
      path: '',
      message: `the document is ${text.length} characters long; the limit is ${limits.maxSourceLength}`,
    });
    return { documents, problems };
  }
  const deep = tooDeepFlowOffset(text, limits.maxDepth);
  if (deep !== undefined) {
    problems.push({
      file,
      ...positionOf(text, deep),
      path: '',
      message: `collections nest deeper than ${limits.maxDepth} levels`,
    });
    return { documents, problems };
  }
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(
      Math.max(0, Math.min(offset, text.length)),
    );
    return { line, column: col };
  };
  try {
    const parsed = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
    });
    const budget = { nodes: 0, aliases: 0 };
    let sawYamlError = false;
    for (const doc of parsed as Document.Parsed[]) {
      for (const error of [...doc.errors, ...doc.warnings]) {
        sawYamlError = true;
        problems.push({
          file,
          ...at(error.pos?.[0] ?? 0),
          path: '',
          message: `YAML: ${firstLine(error.message)}`,
        });
      }
      const contents = doc.contents;
      if (contents === null || (isScalar(contents) && contents.value === null))
        continue;
      const walker = new Walker(doc, limits, budget);
      try {
        const value = walker.walk(contents, '', '', 0, 0);
        for (const issue of walker.issues) {
          problems.push({
            file,
            ...at(issue.offset),
            path: '',
            message: issue.message,
          });
        }
        const nodes = walker.nodes;
        documents.push({
          file,
          value,
          locate: (pointer, atKey = false) =>
            locateNode(nodes, lineCounter, pointer, atKey),
        });
      } catch (error) {
        if (!(error instanceof LimitExceeded)) throw error;
        problems.push({
          file,
          ...at(error.offset),
          path: '',
          message: error.message,
        });
        if (
          budget.nodes > limits.maxNodes ||
          budget.aliases > limits.maxAliasCount
        )
          break;
      }
    }
    if (!documents.length && !problems.length && !sawYamlError) {
      problems.push({
        file,
        line: 1,
        column: 1,
        path: '',
        message:
          'the contract is empty: expected a mapping with `depends_on`, `provides`, `data_dependencies`, `retry_policies`, `operations` or `requires`',
      });
    }
  } catch (error) {
    problems.push({
      file,
      line: 1,
      column: 1,
      path: '',
      message: `the document could not be read: ${firstLine(
        String((error as Error)?.message ?? error),
      )}`,
    });
  }
  return { documents, problems };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}

/** Describes the type of a value for messages: `a string`, `a list`, `a mapping`… */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'a whole number' : 'a number';
    case 'boolean':
      return `\`${value}\``;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** Line, column and path of the value at `pointer` (or of its key), or of its nearest parent. */
export function locateIn(
  doc: LocatedDocument,
  pointer: string,
  atKey = false,
): Located {
  return doc.locate(pointer, atKey);
}

function locateNode(
  nodes: Map<string, NodeEntry>,
  lineCounter: LineCounter,
  pointer: string,
  atKey: boolean,
): Located {
  let current = pointer;
  let suffix = '';
  for (;;) {
    const entry = nodes.get(current);
    if (entry) {
      const offset =
        atKey && !suffix && entry.keyOffset !== undefined
          ? entry.keyOffset
          : entry.offset;
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col, path: entry.path + suffix };
    }
    if (!current) return { path: suffix.replace(/^\./, '') };
    const slash = current.lastIndexOf('/');
    suffix = unlocatedSuffix([current.slice(slash + 1)]) + suffix;
    current = current.slice(0, slash);
  }
}
