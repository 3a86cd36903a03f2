/*
 * JSON output written as it is made, in pieces of about a megabyte, instead of one string.
 *
 * A report of 88k findings is 107 MB of JSON (226 MB as indented SARIF), and its messages carry
 * two-byte characters (×, →, ≈), so one `JSON.stringify` of it is a 213 MB string held at once,
 * then encoded as UTF-8 in one more buffer of its size. Here the big arrays (findings, SARIF
 * results) are stringified one element at a time, natively, and written when a megabyte has
 * gathered: the same bytes, without the giant string. No library does this for a plain
 * `JSON.stringify` layout (streaming serializers write their own); measured in `yarn
 * bench:findings` (see the package README).
 */

/** Gathered text is handed on once it holds this many characters. */
const CHUNK = 1 << 20;
/** Arrays at least this long are written in runs of elements. */
const BIG_ARRAY = 256;
/** How many elements of a big array are stringified at once. */
const RUN = 64;
/**
 * Containers deeper than this are stringified whole (a SARIF log's results are at depth 3), and
 * so are the elements of a big array.
 */
const MAX_SPLIT_DEPTH = 3;

/** An object or array that `JSON.stringify` would walk as such (no `toJSON`, no class). */
function isPlainContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** Whether `value`, at `depth`, holds a big array at or above {@link MAX_SPLIT_DEPTH}. */
function worthSplitting(value: unknown, depth: number): boolean {
  if (depth > MAX_SPLIT_DEPTH || !isPlainContainer(value)) return false;
  if (Array.isArray(value)) {
    if (value.length >= BIG_ARRAY) return true;
    if (depth === MAX_SPLIT_DEPTH) return false;
    return value.some(v => worthSplitting(v, depth + 1));
  }
  if (depth === MAX_SPLIT_DEPTH) return false;
  for (const key of Object.keys(value)) {
    if (worthSplitting((value as Record<string, unknown>)[key], depth + 1)) {
      return true;
    }
  }
  return false;
}

/**
 * Writes `JSON.stringify(value, null, indent)` followed by a newline through `write`, in pieces
 * of about a megabyte (the same text; `indent` as in `JSON.stringify`, a number of spaces).
 * Values other than plain objects and arrays are stringified as they are.
 */
export function writeJson(
  value: unknown,
  write: (text: string) => void,
  indent?: number,
): void {
  const gap = ' '.repeat(Math.min(10, Math.max(0, Math.floor(indent ?? 0))));
  const colon = gap ? ': ' : ':';
  let parts: string[] = [];
  let size = 0;
  const push = (text: string) => {
    parts.push(text);
    size += text.length;
    if (size >= CHUNK) {
      write(parts.join(''));
      parts = [];
      size = 0;
    }
  };
  /** A new line at `depth`, when indenting. */
  const newline = (depth: number) => (gap ? `\n${gap.repeat(depth)}` : '');
  /** The JSON of a value stringified whole, at `depth` (undefined where JSON has none). */
  const whole = (v: unknown, depth: number): string | undefined => {
    const text = JSON.stringify(v, null, gap || undefined) as
      | string
      | undefined;
    // raw line breaks only ever separate tokens (strings escape theirs): indent them in place
    return gap && depth > 0 && text !== undefined
      ? text.replace(/\n/g, newline(depth))
      : text;
  };
  const emit = (v: unknown, depth: number): boolean => {
    if (!worthSplitting(v, depth)) {
      const text = whole(v, depth);
      if (text === undefined) return false;
      push(text);
      return true;
    }
    if (Array.isArray(v)) {
      push('[');
      if (v.length >= BIG_ARRAY) {
        // the elements of a big array are written whole, RUN at a time: each run stringified
        // as an array, its brackets cut (one call per element and the join of the pieces were
        // ≈ a third of the time writing 87,627 findings); nor is each element asked whether it
        // is worth splitting (that was 120 ms of them in a profile)
        const close = `${newline(depth)}]`;
        for (let i = 0; i < v.length; i += RUN) {
          // slice keeps holes, which JSON.stringify writes as null
          const text = whole(v.slice(i, i + RUN), depth)!;
          const inner = text.slice(1, text.length - close.length);
          push(i ? `,${inner}` : inner);
        }
        push(close);
        return true;
      }
      const next = newline(depth + 1);
      // a for loop, not forEach: holes are written as null, as JSON.stringify does
      for (let i = 0; i < v.length; i++) {
        push(i ? `,${next}` : next);
        if (!emit(v[i], depth + 1)) push('null');
      }
      push(`${newline(depth)}]`);
      return true;
    }
    push('{');
    let first = true;
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const head = `${first ? '' : ','}${newline(depth + 1)}${JSON.stringify(
        key,
      )}${colon}`;
      if (worthSplitting(item, depth + 1)) {
        push(head);
        emit(item, depth + 1);
      } else {
        const text = whole(item, depth + 1);
        if (text === undefined) continue;
        push(head + text);
      }
      first = false;
    }
    push(first ? '}' : `${newline(depth)}}`);
    return true;
  };
  if (!emit(value, 0)) push('undefined');
  push('\n');
  if (parts.length) write(parts.join(''));
}
