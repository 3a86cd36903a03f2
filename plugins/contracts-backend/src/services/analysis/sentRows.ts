import type {
  AnalysisResult,
  Finding,
  GraphNode,
} from '@backstage-contracts/plugin-contracts-common';
import { findingColumns, isIdentity, runsOf } from './graphItems';
import type { TransferPart, TransferRows } from './protocol';

/** Where each item of a kind is on the main thread: its piece of text, its start and end. */
interface Rows {
  piece: Uint32Array;
  start: Uint32Array;
  end: Uint32Array;
}

const KINDS = ['findings', 'nodes', 'edges'] as const;
type Kind = (typeof KINDS)[number];

/**
 * Where the main thread holds each item of the last transfer — the piece of text it keeps it in
 * (the transfers' pieces that have items, numbered as it receives them: a delta's after the
 * previous ones) and the item's place there — kept here, in the worker, so that a delta's rows
 * reach the main thread ready (typed arrays handed over) and it follows the delta in O(changed).
 * Followed on the main thread, a 1 % delta of a 100k-entity graph took it ~25 ms of per-row copies
 * and counts in one task (`node --cpu-prof --import tsx scripts/bench-recompute.ts --entities
 * 100000 --runs 2 --change 1`, cb14778).
 */
export class SentRows {
  /** How many pieces of text the main thread keeps (the last transfer's and those before). */
  private texts = 0;
  private rows?: Record<Kind, Rows>;

  /**
   * A transfer of `parts` was made: a full one (no recipes: the main thread makes its rows as the
   * pieces come; also an adopted snapshot's stored pieces), or a delta of the last (`result`, and
   * its recipes for findings, nodes and edges), whose rows, columns and pieces' counts of rows
   * this answers.
   */
  next(
    parts: readonly TransferPart[],
    result?: AnalysisResult,
    ...[findings, nodes, edges]: Array<Int32Array | undefined>
  ): TransferRows | undefined {
    const recipes =
      findings && nodes && edges ? { findings, nodes, edges } : undefined;
    const first = recipes ? this.texts : 0;
    const added = this.placesOf(parts, first);
    const before = this.rows;
    if (!recipes || !before || !result) {
      this.rows = added;
      return undefined;
    }
    const rows = {} as Record<Kind, Rows>;
    const out: TransferRows = {
      runs: {
        findings: runsOf(recipes.findings),
        nodes: runsOf(recipes.nodes),
        edges: runsOf(recipes.edges),
      },
      pieceRows: new Int32Array(this.texts),
    };
    for (const kind of KINDS) {
      const recipe = recipes[kind];
      if (isIdentity(recipe, before[kind].piece.length)) {
        rows[kind] = before[kind];
        continue;
      }
      rows[kind] = followed(recipe, before[kind], added[kind]);
      // (a copy handed over: these stay the base of the next delta)
      const { piece, start, end } = rows[kind];
      out[kind] = {
        piece: piece.slice(),
        start: start.slice(),
        end: end.slice(),
      };
    }
    for (const kind of KINDS) {
      for (const piece of rows[kind].piece) out.pieceRows[piece]++;
    }
    if (out.findings) {
      const all = result.findings;
      out.findingSeverity = new Uint8Array(all.length);
      out.findingFlags = new Uint8Array(all.length);
      all.forEach((f: Finding, i) => {
        [out.findingSeverity![i], out.findingFlags![i]] = findingColumns(f);
      });
    }
    if (out.nodes) {
      out.nodeHasContract = Uint8Array.from(
        result.graph.nodes,
        (n: GraphNode) => (n.hasContract ? 1 : 0),
      );
    }
    this.rows = rows;
    return out;
  }

  /** The places of the items of `parts`, their pieces numbered from `first`. */
  private placesOf(
    parts: readonly TransferPart[],
    first: number,
  ): Record<Kind, Rows> {
    const lists = {
      findings: [[], [], []],
      nodes: [[], [], []],
      edges: [[], [], []],
    } as Record<Kind, number[][]>;
    let piece = first;
    for (const { offsets } of parts) {
      const counts = offsets.slice(0, 3);
      // (a piece of entities only is not kept by the main thread)
      if (!counts[0] && !counts[1] && !counts[2]) continue;
      let at = 3;
      for (let k = 0; k < KINDS.length; k++) {
        const [pieces, starts, ends] = lists[KINDS[k]];
        for (let i = 0; i < counts[k]; i++, at += 2) {
          pieces.push(piece);
          starts.push(offsets[at]);
          ends.push(offsets[at + 1]);
        }
      }
      piece++;
    }
    this.texts = piece;
    const rows = {} as Record<Kind, Rows>;
    for (const kind of KINDS) {
      const [pieces, starts, ends] = lists[kind];
      rows[kind] = {
        piece: Uint32Array.from(pieces),
        start: Uint32Array.from(starts),
        end: Uint32Array.from(ends),
      };
    }
    return rows;
  }
}

/** The rows `recipe` makes of `before`'s and `added`'s (see TransferHeader's recipes). */
function followed(recipe: Int32Array, before: Rows, added: Rows): Rows {
  const n = recipe.length;
  const out = {
    piece: new Uint32Array(n),
    start: new Uint32Array(n),
    end: new Uint32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = recipe[i];
    const from = r >= 0 ? before : added;
    const k = r >= 0 ? r : -r - 1;
    out.piece[i] = from.piece[k];
    out.start[i] = from.start[k];
    out.end[i] = from.end[k];
  }
  return out;
}

/**
 * The memory of a header's ready rows and columns (a TransferHeader's `rows`, if `value` is one
 * that has them): handed over to the main thread, not copied.
 */
export function sentRowsBuffers(value: unknown): ArrayBuffer[] {
  const rows = (value as { rows?: TransferRows } | undefined)?.rows;
  if (!rows) return [];
  const arrays: ArrayBufferView[] = [
    rows.runs.findings,
    rows.runs.nodes,
    rows.runs.edges,
    rows.pieceRows,
  ];
  for (const kind of KINDS) {
    const r = rows[kind];
    if (r) arrays.push(r.piece, r.start, r.end);
  }
  for (const a of [
    rows.findingSeverity,
    rows.findingFlags,
    rows.nodeHasContract,
  ]) {
    if (a) arrays.push(a);
  }
  return arrays.map(a => a.buffer as ArrayBuffer);
}
