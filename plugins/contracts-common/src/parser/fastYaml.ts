/**
 * The fast path of the contract reader: `js-yaml` (about ten times faster than `yaml` at
 * building documents) reads the text, its `listener` reports where each node starts and ends,
 * and the result is held to the values and locations `readYamlSource` would give.
 *
 * It declines (returns undefined) whatever it cannot vouch for: anchors, aliases and tags, block
 * scalars, multi-line scalars, scalars the two libraries could type differently, odd keys, tabs
 * and other unusual characters, several documents, and every text `js-yaml` rejects (duplicate
 * keys, syntax errors). The caller then reads the text with the full `yaml` path, which reports
 * every problem with its position. `fastYaml.test.ts` compares both paths on generated texts.
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import { CONTRACT_PARSER_LIMITS } from './limits';
import {
  type LocatedDocument,
  childPath,
  unescapeSegment,
  unlocatedSuffix,
} from './yamlSource';

type Limits = typeof CONTRACT_PARSER_LIMITS;

/** Where a value was written (1-based), and its key for values of a mapping; its children. */
class Position {
  /** 0 when the value is not in a mapping. */
  keyLine = 0;
  keyColumn = 0;

  constructor(
    readonly line: number,
    readonly column: number,
    readonly children?: Map<string, Position> | Position[],
  ) {}
}

/** One node as the listener saw it: where `js-yaml` started and ended composing it. */
interface Frame {
  open: number;
  end: number;
  kind: string | null;
  result: unknown;
  children: Frame[];
}

/** The children of a leaf, shared: most nodes are leaves. */
const NO_CHILDREN: Frame[] = [];

/** Thrown to decline the text: the full path reads it. */
const DECLINE = Symbol('decline');

/** Characters the fast path never reads: control characters, tabs, CR, BOM, odd line breaks. */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern finds
const UNUSUAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

// How the YAML 1.2 core schema (the one `yaml` reads with) types a plain scalar. A plain scalar
// is accepted only when `js-yaml` typed it the same way.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** Other core-schema forms (octal, hex, infinities, NaN), and underscores: left to the full path. */
const OTHER =
  /^(?:[-+]?0[oxb]|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$)|^[-+.0-9][^ ]*_/;

/** Character codes after which a plain scalar is always a string in the core schema. */
const PLAIN_STRING_START: boolean[] = [];
for (let code = 0; code < 128; code++)
  PLAIN_STRING_START[code] = !'~nNtTfF+-.0123456789'.includes(
    String.fromCharCode(code),
  );

/** The value the core schema gives a plain scalar, or DECLINE for forms left to the full path. */
function coreValue(raw: string): unknown {
  if (NULL.test(raw)) return null;
  if (BOOL.test(raw)) return raw[0] === 't' || raw[0] === 'T';
  if (INT.test(raw)) {
    if (raw.length > 15) throw DECLINE;
    return Number(raw);
  }
  if (FLOAT.test(raw)) return Number(raw);
  if (OTHER.test(raw)) throw DECLINE;
  return raw;
}

class Reader {
  /** Offsets at which lines start. */
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1))
      this.lineStarts.push(i + 1);
  }

  /** The line (0-based) of the last position asked for: nodes are visited in text order. */
  private lineIndex = 0;

  /** The position (1-based line and column) of an offset. */
  at(offset: number): Position {
    const line = this.lineOf(offset);
    return new Position(line + 1, offset - this.lineStarts[line] + 1);
  }

  /** The line (0-based) of an offset; quick when offsets are asked in text order. */
  private lineOf(offset: number): number {
    const starts = this.lineStarts;
    let line = this.lineIndex;
    if (starts[line] > offset) line = 0;
    while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
    this.lineIndex = line;
    return line;
  }

  /** Past the spaces on the line. */
  private spaces(from: number): number {
    let i = from;
    while (this.text.charCodeAt(i) === 32) i++;
    return i;
  }

  /** Where a node's content starts: past spaces, comments and line breaks. */
  private contentStart(from: number): number {
    const text = this.text;
    let i = from;
    for (;;) {
      i = this.spaces(i);
      const c = text.charCodeAt(i);
      if (c === 35 /* # */) {
        const eol = text.indexOf('\n', i);
        i = eol < 0 ? text.length : eol;
      } else if (c === 10) i++;
      else return i;
    }
  }

  /** The node's position; checks that its value is what `yaml` reads there. */
  position(frame: Frame): Position {
    let node = frame;
    // js-yaml may compose a node once more inside itself (a scalar tried as a mapping key)
    while (
      node.children.length === 1 &&
      node.children[0].result === node.result
    )
      node = node.children[0];
    if (node.kind === null) {
      // nothing written: at the first non-space after the indicator
      if (node.result !== null) throw DECLINE;
      return this.at(this.spaces(frame.open));
    }
    const start = this.contentStart(frame.open);
    switch (this.text.charCodeAt(start)) {
      case 33: // ! a tag
      case 37: // % a directive
      case 38: // & an anchor
      case 42: // * an alias
      case 62: // > a folded block scalar
      case 63: // ? an explicit key
      case 124: // | a literal block scalar
        throw DECLINE;
      default:
    }
    if (node.kind === 'scalar') {
      this.scalar(node, start);
      return this.at(start);
    }
    // the collection's own place first: nodes are visited in text order
    const line = this.lineOf(start);
    const column = start - this.lineStarts[line] + 1;
    if (node.kind === 'mapping') {
      const children = new Map<string, Position>();
      if (node.children.length % 2 !== 0) throw DECLINE;
      for (let i = 0; i < node.children.length; i += 2) {
        const keyFrame = node.children[i];
        const key = keyFrame.result;
        if (
          keyFrame.kind !== 'scalar' ||
          typeof key !== 'string' ||
          key === '__proto__' ||
          children.has(key)
        )
          throw DECLINE;
        const keyAt = this.position(keyFrame);
        const child = this.position(node.children[i + 1]);
        child.keyLine = keyAt.line;
        child.keyColumn = keyAt.column;
        children.set(key, child);
      }
      // js-yaml rejects duplicate keys: one child per key of the value
      return new Position(line + 1, column, children);
    }
    if (node.kind === 'sequence') {
      const value = node.result as unknown[];
      if (node.children.length !== value.length) throw DECLINE;
      return new Position(
        line + 1,
        column,
        node.children.map(child => this.position(child)),
      );
    }
    throw DECLINE;
  }

  /** A scalar on one line, typed as the core schema types it. */
  private scalar(node: Frame, start: number): void {
    const text = this.text;
    const c = text.charCodeAt(start);
    let end = node.end;
    for (;;) {
      const last = text.charCodeAt(end - 1);
      if (end > start && (last === 32 || last === 10)) end--;
      else break;
    }
    const raw = text.slice(start, end);
    if (raw.includes('\n')) throw DECLINE;
    if (c === 39 /* ' */ || c === 34 /* " */) {
      if (typeof node.result !== 'string') throw DECLINE;
      return;
    }
    // only `~`, n/N, t/T, f/F, digits, signs and dots can start a plain scalar the core schema
    // reads as something other than a string
    const expected = PLAIN_STRING_START[c] ? raw : coreValue(raw);
    if (!Object.is(expected, node.result)) throw DECLINE;
  }
}

/** The array index a pointer segment names (digits, no leading zero), or -1. */
function indexOf(segment: string): number {
  const n = segment.length;
  if (!n || n > 9 || (n > 1 && segment.charCodeAt(0) === 48)) return -1;
  let index = 0;
  for (let i = 0; i < n; i++) {
    const d = segment.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    index = index * 10 + d;
  }
  return index;
}

/** The display path and position of `pointer` (or of its key), or of its nearest parent. */
function locate(
  root: Position,
  pointer: string,
  atKey: boolean,
): { line?: number; column?: number; path: string } {
  const segments = pointer ? pointer.split('/') : [''];
  let node = root;
  let path = '';
  for (let s = 1; s < segments.length; s++) {
    const segment = unescapeSegment(segments[s]);
    const children = node.children;
    let child: Position | undefined;
    let key: string | number = segment;
    if (Array.isArray(children)) {
      const index = indexOf(segment);
      if (index >= 0) {
        child = children[index];
        key = index;
      }
    } else child = children?.get(segment);
    if (!child) {
      const suffix = unlocatedSuffix(segments.slice(s));
      return { line: node.line, column: node.column, path: path + suffix };
    }
    path = childPath(path, key);
    node = child;
  }
  return atKey && node.keyLine
    ? { line: node.keyLine, column: node.keyColumn, path }
    : { line: node.line, column: node.column, path };
}

/**
 * Reads a contract text on the fast path: its one document with its locations, or undefined
 * when the text needs the full path (anything unusual, and every text with a YAML problem).
 */
export function readYamlFast(
  file: string,
  text: unknown,
  limits: Limits = CONTRACT_PARSER_LIMITS,
): LocatedDocument | undefined {
  if (
    typeof text !== 'string' ||
    text.length > limits.maxSourceLength ||
    UNUSUAL.test(text)
  )
    return undefined;
  const stack: Frame[] = [];
  let root: Frame | undefined;
  let nodes = 0;
  try {
    const value = load(text, {
      schema: CORE_SCHEMA,
      listener(event, state) {
        if (event === 'open') {
          const frame: Frame = {
            open: state.position,
            end: state.position,
            kind: null,
            result: null,
            children: NO_CHILDREN,
          };
          const parent = stack[stack.length - 1];
          if (parent) {
            if (parent.children === NO_CHILDREN) parent.children = [frame];
            else parent.children.push(frame);
          } else if (root) throw DECLINE;
          else root = frame;
          stack.push(frame);
          if (++nodes > limits.maxNodes || stack.length > limits.maxDepth)
            throw DECLINE;
        } else {
          const frame = stack.pop()!;
          frame.end = state.position;
          frame.kind = state.kind;
          frame.result = state.result;
          const anchor = (state as { anchor?: unknown }).anchor;
          if (anchor !== null && anchor !== undefined) throw DECLINE;
        }
      },
    });
    if (
      !root ||
      value === null ||
      typeof value !== 'object' ||
      Array.isArray(value)
    )
      return undefined;
    if (root.result !== value) return undefined;
    const position = new Reader(text).position(root);
    return {
      file,
      value,
      locate: (pointer, atKey = false) => locate(position, pointer, atKey),
    };
  } catch {
    // DECLINE, and everything js-yaml rejects: the full path reads it and says what is wrong
    return undefined;
  }
}
