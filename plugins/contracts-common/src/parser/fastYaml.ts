/**
 * The fast path of the contract reader: a line-based reader for the plain YAML most contracts
 * are written in (block mappings and sequences, one-line plain and quoted scalars, one-line flow
 * lists of names), giving the same values and the same locations as `readYamlSource`, at a
 * fraction of the cost.
 *
 * It declines (returns undefined) whenever a text goes beyond that subset or looks wrong in any
 * way: anchors, tags, block scalars, multi-line scalars, flow mappings, escapes, tabs, several
 * documents, duplicate keys, odd indentation… The caller then reads the text with the full
 * `yaml` path, which reports every problem with its position. What the fast path accepts it must
 * read exactly as `yaml` does (YAML 1.2 core schema); `fastYaml.test.ts` holds it to that.
 */
import { CONTRACT_PARSER_LIMITS } from './limits';
import { type LocatedDocument, childPath } from './yamlSource';

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

/** A content line: not blank, not only a comment. `column` is 0-based. */
interface Line {
  /** 1-based line number. */
  line: number;
  /** Where the content starts: the indentation, or a column after `- ` for a compact item. */
  indent: number;
  /** The line text from `indent` on. */
  text: string;
}

/** Thrown to decline the text: the full path reads it. */
const DECLINE = Symbol('decline');

/** Characters the fast path never reads: control characters, tabs, CR, BOM, odd line breaks. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNUSUAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
/** Characters of a plain key: `[\w./-]`, and the first `[A-Za-z_]`. */
const KEY_CHAR: boolean[] = [];
for (const c of '_./-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')
  KEY_CHAR[c.charCodeAt(0)] = true;

/**
 * The length of the plain key the text starts with, when it is followed by `:` and a space or
 * the end of the line (`[A-Za-z_][\w./-]*:`); -1 otherwise.
 */
function keyLength(text: string): number {
  const first = text.charCodeAt(0);
  if (!KEY_CHAR[first] || (first >= 45 && first <= 57)) return -1; // not `-`, `.`, `/`, a digit
  let i = 1;
  while (KEY_CHAR[text.charCodeAt(i)]) i++;
  if (text.charCodeAt(i) !== 58) return -1;
  const after = text.charCodeAt(i + 1);
  return after === 32 || Number.isNaN(after) ? i : -1;
}
/** Plain keys the core schema reads as something else than a string. */
const NOT_A_STRING_KEY = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE|[Nn]ull|NULL)$/;
/** A name in a one-line flow list: `[details, other]`. */
const FLOW_NAME = /^[A-Za-z_/][\w./-]*$/;
/** Characters that cannot start a plain scalar (YAML's indicators), but `-` before a non-space. */
const INDICATOR_START = /^(?:[?:,[\]{}#&*!|>'"%@`]|-(?: |$))/;

/** First characters of the plain scalars the core schema may read as something else than a string. */
const MAYBE_NOT_STRING: boolean[] = [];
for (const c of '~nNtTfF0123456789-+.')
  MAYBE_NOT_STRING[c.charCodeAt(0)] = true;
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** Other core-schema forms (octal, hex, infinities, NaN): left to the full path. */
const OTHER_CORE = /^(?:0o|0x|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$)/;

/** A plain scalar as the YAML 1.2 core schema reads it (as `yaml` does). */
function plainValue(text: string): unknown {
  if (!MAYBE_NOT_STRING[text.charCodeAt(0)] && text.length) return text;
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (INT.test(text)) {
    if (text.length > 15) throw DECLINE;
    const sign = text[0];
    const n = parseInt(sign === '-' || sign === '+' ? text.slice(1) : text, 10);
    return sign === '-' ? -1 * n : n;
  }
  if (FLOAT.test(text)) return parseFloat(text);
  if (OTHER_CORE.test(text)) throw DECLINE;
  return text;
}

/** Splits the text into content lines; declines document markers and directives. */
function contentLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  let number = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    number++;
    let indent = start;
    while (indent < end && text.charCodeAt(indent) === 32) indent++;
    if (indent < end && text.charCodeAt(indent) !== 35 /* # */) {
      const c = text.charCodeAt(start);
      // `---`, `...` (document markers) and `%` (directives) at the start of a line
      if (
        indent === start &&
        (c === 37 ||
          ((c === 45 || c === 46) &&
            text.startsWith(c === 45 ? '---' : '...', start)))
      )
        throw DECLINE;
      lines.push({
        line: number,
        indent: indent - start,
        text: text.slice(indent, end),
      });
    }
    start = end + 1;
  }
  return lines;
}

/** Column (0-based, relative to the content) of the first non-space at or after `from`. */
function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) === 32) i++;
  return i;
}

/** True when `rest` (after a scalar) holds nothing but spaces and a comment. */
function onlyComment(rest: string): boolean {
  if (!rest) return true;
  if (rest.charCodeAt(0) !== 32) return false;
  const i = skipSpaces(rest, 0);
  return i === rest.length || rest.charCodeAt(i) === 35;
}

/** Reads values; each read leaves the position of the value it returned in `at`. */
class FastReader {
  private i = 0;
  private nodes = 0;
  /** The position of the value read last. */
  at!: Position;

  constructor(
    private readonly lines: Line[],
    private readonly limits: Limits,
  ) {}

  private count(depth: number): void {
    if (++this.nodes > this.limits.maxNodes || depth > this.limits.maxDepth)
      throw DECLINE;
  }

  document(): unknown {
    const first = this.lines[0];
    if (!first || first.indent !== 0 || keyLength(first.text) < 0)
      throw DECLINE;
    const value = this.block(0, 0);
    if (this.i !== this.lines.length) throw DECLINE;
    return value;
  }

  /** A block collection whose first line is the current one, at `indent`. */
  private block(indent: number, depth: number): unknown {
    return isItem(this.lines[this.i].text)
      ? this.sequence(indent, depth)
      : this.mapping(indent, depth);
  }

  private mapping(indent: number, depth: number): unknown {
    this.count(depth);
    const value: Record<string, unknown> = {};
    const children = new Map<string, Position>();
    const first = this.lines[this.i];
    const position = new Position(first.line, first.indent + 1, children);
    while (this.i < this.lines.length) {
      const line = this.lines[this.i];
      if (line.indent < indent) break;
      if (line.indent > indent) throw DECLINE;
      const length = keyLength(line.text);
      if (length < 0) {
        // a sequence at the indentation of its key ends here; the caller decides
        if (isItem(line.text)) break;
        throw DECLINE;
      }
      const key = line.text.slice(0, length);
      if (
        length > 1000 ||
        (MAYBE_NOT_STRING[key.charCodeAt(0)] && NOT_A_STRING_KEY.test(key)) ||
        key === '__proto__' ||
        Object.prototype.hasOwnProperty.call(value, key)
      )
        throw DECLINE;
      value[key] = this.afterIndicator(
        line,
        length + 1,
        indent,
        depth + 1,
        true,
      );
      const at = this.at;
      at.keyLine = line.line;
      at.keyColumn = line.indent + 1;
      children.set(key, at);
    }
    this.at = position;
    return value;
  }

  private sequence(indent: number, depth: number): unknown {
    this.count(depth);
    const value: unknown[] = [];
    const children: Position[] = [];
    const first = this.lines[this.i];
    const position = new Position(first.line, first.indent + 1, children);
    while (this.i < this.lines.length) {
      const line = this.lines[this.i];
      if (line.indent < indent) break;
      if (line.indent > indent) throw DECLINE;
      if (!isItem(line.text)) break;
      const at = skipSpaces(line.text, 1);
      if (at < line.text.length && keyLength(line.text.slice(at)) >= 0) {
        // `- key: value`: a mapping whose keys are at the column of the first one
        this.lines[this.i] = {
          line: line.line,
          indent: line.indent + at,
          text: line.text.slice(at),
        };
        value.push(this.mapping(line.indent + at, depth + 1));
      } else {
        value.push(this.afterIndicator(line, 1, indent, depth + 1, false));
      }
      children.push(this.at);
    }
    this.at = position;
    return value;
  }

  /**
   * The value after `key:` or `-` on the current line (from `from`): a scalar on the line, or
   * the block below. Advances past it.
   */
  private afterIndicator(
    line: Line,
    from: number,
    indent: number,
    depth: number,
    inMapping: boolean,
  ): unknown {
    const at = skipSpaces(line.text, from);
    const column = line.indent + at + 1;
    this.i++;
    if (at === line.text.length || line.text.charCodeAt(at) === 35) {
      if (at < line.text.length && line.text.charCodeAt(at - 1) !== 32)
        throw DECLINE; // `key:#…` is not a comment
      const next = this.lines[this.i];
      if (next && next.indent > indent) return this.block(next.indent, depth);
      if (next && inMapping && next.indent === indent && isItem(next.text))
        return this.sequence(indent, depth);
      this.count(depth);
      this.at = new Position(line.line, column);
      return null;
    }
    this.count(depth);
    const value = this.scalar(line.text.slice(at), line.line, column, depth);
    const next = this.lines[this.i];
    // more indented text below a scalar continues it (or is an error): the full path reads it
    if (next && next.indent > indent) throw DECLINE;
    return value;
  }

  private scalar(
    text: string,
    line: number,
    column: number,
    depth: number,
  ): unknown {
    const c = text.charCodeAt(0);
    if (c === 39 /* ' */) {
      let out = '';
      let i = 1;
      for (;;) {
        const close = text.indexOf("'", i);
        if (close < 0) throw DECLINE;
        out += text.slice(i, close);
        if (text.charCodeAt(close + 1) === 39) {
          out += "'";
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      if (!onlyComment(text.slice(i))) throw DECLINE;
      this.at = new Position(line, column);
      return out;
    }
    if (c === 34 /* " */) {
      const close = text.indexOf('"', 1);
      if (close < 0) throw DECLINE;
      const out = text.slice(1, close);
      if (out.includes('\\') || !onlyComment(text.slice(close + 1)))
        throw DECLINE;
      this.at = new Position(line, column);
      return out;
    }
    const comment = text.indexOf(' #');
    const body = (comment < 0 ? text : text.slice(0, comment)).trimEnd();
    if (c === 91 /* [ */) return this.flowList(body, line, column, depth);
    if (INDICATOR_START.test(body) || body.includes(': ') || body.endsWith(':'))
      throw DECLINE;
    this.at = new Position(line, column);
    return plainValue(body);
  }

  /** `[a, b]` on one line, of plain names. */
  private flowList(
    body: string,
    line: number,
    column: number,
    depth: number,
  ): unknown {
    if (!body.endsWith(']')) throw DECLINE;
    const inner = body.slice(1, -1);
    const value: string[] = [];
    const children: Position[] = [];
    if (inner.trim()) {
      let offset = 1;
      for (const part of inner.split(',')) {
        const name = part.trim();
        if (!FLOW_NAME.test(name) || typeof plainValue(name) !== 'string')
          throw DECLINE;
        this.count(depth + 1);
        value.push(name);
        children.push(
          new Position(line, column + offset + skipSpaces(part, 0)),
        );
        offset += part.length + 1;
      }
    }
    this.at = new Position(line, column, children);
    return value;
  }
}

function isItem(text: string): boolean {
  return (
    text.charCodeAt(0) === 45 &&
    (text.length === 1 || text.charCodeAt(1) === 32)
  );
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
    const raw = segments[s];
    const segment = raw.includes('~')
      ? raw.replace(/~1/g, '/').replace(/~0/g, '~')
      : raw;
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
      let suffix = '';
      for (let r = s; r < segments.length; r++) {
        const rest = segments[r].replace(/~1/g, '/').replace(/~0/g, '~');
        suffix += /^\d+$/.test(rest) ? `[${rest}]` : `.${rest}`;
      }
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
  try {
    const reader = new FastReader(contentLines(text), limits);
    const value = reader.document();
    const position = reader.at;
    return {
      file,
      value,
      locate: (pointer, atKey = false) => locate(position, pointer, atKey),
    };
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}
