/**
 * A column of short strings (each finding's evidence hash) as one string and where each ends:
 * two heap objects however many rows, where an array of strings is one per row for every major
 * GC of the main thread to mark (at 100k entities 36k findings). `at` makes a row's string when
 * read.
 */
export class TextColumn {
  private constructor(
    private readonly text: string,
    /** Row `i` is `text` from `offsets[i]` to `offsets[i + 1]`. */
    private readonly offsets: Int32Array,
  ) {}

  static of(values: readonly string[]): TextColumn {
    const offsets = new Int32Array(values.length + 1);
    let at = 0;
    values.forEach((v, i) => {
      at += v.length;
      offsets[i + 1] = at;
    });
    // (joined: one flat string)
    return new TextColumn(values.join(''), offsets);
  }

  /** Rows of `text`: row `i` from `offsets[i]` to `offsets[i + 1]`. */
  static over(text: string, offsets: Int32Array): TextColumn {
    return new TextColumn(text, offsets);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  /** Row `row` (undefined: none). */
  at(row: number): string | undefined {
    if (row < 0 || row >= this.length) return undefined;
    return this.text.slice(this.offsets[row], this.offsets[row + 1]);
  }

  /** Every row, in order. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }

  /**
   * The column after a delta's `runs` (./graphItems runsOf): this one's rows and `fresh`'s (the
   * delta's new rows), a slice of text per run (this one if no row moved).
   */
  followed(runs: Int32Array, fresh: TextColumn): TextColumn {
    const n = this.length;
    if (
      n ? runs.length === 2 && runs[0] === 0 && runs[1] === n : !runs.length
    ) {
      return this;
    }
    let rows = 0;
    for (let i = 1; i < runs.length; i += 2) rows += runs[i];
    const offsets = new Int32Array(rows + 1);
    const parts: string[] = [];
    let at = 0;
    let row = 0;
    for (let i = 0; i < runs.length; i += 2) {
      const from = runs[i] >= 0 ? this : fresh;
      const k = runs[i] >= 0 ? runs[i] : -runs[i] - 1;
      const count = runs[i + 1];
      const start = from.offsets[k];
      const end = from.offsets[k + count];
      parts.push(from.text.slice(start, end));
      for (let j = 1; j <= count; j++) {
        offsets[row + j] = at + from.offsets[k + j] - start;
      }
      at += end - start;
      row += count;
    }
    return new TextColumn(parts.join(''), offsets);
  }
}

/**
 * A {@link TextColumn} made as a transfer's pieces come: each piece's strings joined as it is
 * added, so that the end joins a string per piece, not one per row (at 100k entities, 36k
 * findings' evidence hashes: 3-6 ms of the transfer's last task, and an array of 36k strings
 * held until then).
 */
export class TextColumnBuilder {
  private readonly parts: string[] = [];
  /** Where each row ends (a number array: one object, made a typed array at the end). */
  private readonly offsets: number[] = [0];
  private chars = 0;

  /** Adds `values` as the next rows. */
  add(values: readonly string[]): this {
    for (const v of values) {
      this.chars += v.length;
      this.offsets.push(this.chars);
    }
    // (joined: one flat string a piece)
    if (values.length) this.parts.push(values.join(''));
    return this;
  }

  done(): TextColumn {
    return TextColumn.over(this.parts.join(''), Int32Array.from(this.offsets));
  }
}
