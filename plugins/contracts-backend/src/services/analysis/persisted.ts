import {
  bodyWriter,
  type SnapshotEncoding,
} from '../../database/snapshotEncoding';
import type { EntityWire, ExportedSnapshot, TransferPart } from './protocol';

/**
 * The persisted snapshot's layout (format 3): the pieces of a full transfer, as the main thread
 * reads them, so that a starting replica's worker hands them on without parsing the snapshot
 * (only its entities' keys, etags and hashes) and the main thread reads them as any transfer.
 *
 * UTF-8: one line of JSON (`SnapshotHead`), then each piece's four segments in order: its
 * entities (JSON array of EntityWire), its entity JSON, its items' JSON, its items' offsets (a
 * JSON array); their byte lengths are in the head.
 */
export interface SnapshotHead {
  format: number;
  computedAt: string;
  lastSuccessAt?: string;
  /** How many entities it has (absent in a snapshot written before it said). */
  entities?: number;
  /**
   * How its entities were parsed ({@link ENTITY_PARSE_VERSION} of the replica that parsed them;
   * absent in a snapshot written before it said).
   */
  parse?: string;
  /** Per piece, the byte lengths of its segments: entities, entity JSON, items JSON, offsets. */
  parts: Array<[number, number, number, number]>;
}

/**
 * What this version makes of an entity that a snapshot keeps (its summary, contract, problems
 * and contract hash: services/entityModel.ts, contracts-common's contract parsing, the history's
 * hashContract). Bumped when any of them makes something else of the same entity: persisted.test
 * (adopt.test.ts) holds a digest of what they make of a generated catalog, and fails when it moves. A replica that
 * adopts a snapshot of the same version keeps its entities as its own parse (its full recomputes
 * then re-read only the entities whose etag moved); of another, it reads every entity again.
 */
export const ENTITY_PARSE_VERSION = '1';

/** A snapshot as its pieces and times. */
export interface SnapshotDocument {
  head: Omit<SnapshotHead, 'parts'>;
  parts: TransferPart[];
}

const NEWLINE = 0x0a;

/**
 * A snapshot to write: its head, and its pieces — made anew, the same, on each call of `pieces`
 * (see {@link writeSnapshot}).
 */
export interface SnapshotSource {
  head: SnapshotDocument['head'];
  pieces(): Iterable<TransferPart>;
}

/** Where a snapshot's bytes are written, in order (snapshotEncoding's bodyWriter). */
export interface SnapshotSink {
  /** Takes the bytes (not to be changed after); a promise: wait for it before the next write. */
  write(bytes: Uint8Array): Promise<void> | undefined;
}

/** A piece's four segments (see {@link SnapshotHead}) as text. */
const segmentsOf = (part: TransferPart) => [
  JSON.stringify(part.entities),
  part.entityJson,
  part.json,
  JSON.stringify(part.offsets),
];

/**
 * The snapshot's head line as bytes (its newline included), from its pieces' lengths; and the
 * lengths.
 */
function headBytes(
  head: SnapshotDocument['head'],
  parts: Iterable<TransferPart>,
  lengthsOf: (part: TransferPart, i: number) => number[],
): { line: Buffer; lengths: SnapshotHead['parts'] } {
  const lengths: SnapshotHead['parts'] = [];
  let entities = 0;
  for (const part of parts) {
    const [a, b, c, d] = lengthsOf(part, lengths.length);
    lengths.push([a, b, c, d]);
    entities += part.entities.length;
  }
  const line: SnapshotHead = { ...head, entities, parts: lengths };
  return { line: Buffer.from(`${JSON.stringify(line)}\n`), lengths };
}

const NOT_THE_SAME =
  "a persisted snapshot's pieces changed while it was written";

/**
 * Writes a snapshot's bytes (see {@link SnapshotHead}) into the sink `open` makes for their
 * size, piece by piece: its pieces are made twice, once for the lengths its head (its first
 * line) says, then for their bytes, each written once made and let go — so that the snapshot
 * is never whole in memory, neither as text nor as bytes. Made whole (at 100k ≈ 400 MB of
 * each), they took the analysis worker's heap a mark-compact for about every 64 MB of bytes
 * allocated, 1-3 s each: an export took 12.3-20.5 s and 13.4-15.7 s of CPU; piece by piece
 * 5.7-6.8 s and 6.1-6.5 s, the same bytes (`yarn bench:snapshot --export --entities 100000`,
 * load 4.7-7.6). Resolves with the size. Fails when the pieces made the second time are not
 * those of the first.
 */
export async function writeSnapshot(
  source: SnapshotSource,
  open: (size: number) => SnapshotSink,
): Promise<number> {
  const { line: head, lengths } = headBytes(
    source.head,
    source.pieces(),
    part => segmentsOf(part).map(text => Buffer.byteLength(text)),
  );
  let size = head.length;
  for (const four of lengths) for (const n of four) size += n;
  const sink = open(size);
  await sink.write(head);
  let i = 0;
  for (const part of source.pieces()) {
    const four = lengths[i++];
    if (!four) throw new Error(NOT_THE_SAME);
    const piece = Buffer.allocUnsafeSlow(four[0] + four[1] + four[2] + four[3]);
    let at = 0;
    segmentsOf(part).forEach((text, s) => {
      const n = piece.write(text, at);
      if (n !== four[s]) throw new Error(NOT_THE_SAME);
      at += n;
    });
    await sink.write(piece);
  }
  if (i !== lengths.length) throw new Error(NOT_THE_SAME);
  return size;
}

/** A snapshot's bytes, written and compressed with `encoding` (writeSnapshot, bodyWriter). */
export async function exportSnapshot(
  source: SnapshotSource,
  encoding: SnapshotEncoding,
): Promise<ExportedSnapshot> {
  let body: ReturnType<typeof bodyWriter> | undefined;
  let sizeBytes;
  try {
    sizeBytes = await writeSnapshot(
      source,
      size => (body = bodyWriter(encoding, size)),
    );
  } catch (error) {
    // (its compressor let go: a body short of its size is ended as failed)
    body?.end().catch(() => {});
    throw error;
  }
  const stored = await body!.end();
  return {
    // its own memory (handed over to the main thread; a small one can be a pooled view)
    bytes:
      stored.byteOffset === 0 && stored.byteLength === stored.buffer.byteLength
        ? stored
        : new Uint8Array(stored),
    sizeBytes,
    computedAt: source.head.computedAt,
    lastSuccessAt: source.head.lastSuccessAt,
  };
}

/** The snapshot's bytes (see {@link SnapshotHead}), whole. */
export function encodeSnapshot(doc: SnapshotDocument): Uint8Array {
  const bytes = doc.parts.map(part =>
    segmentsOf(part).map(text => Buffer.from(text)),
  );
  const { line } = headBytes(doc.head, doc.parts, (_, i) =>
    bytes[i].map(b => b.length),
  );
  return Buffer.concat([line, ...bytes.flat()]);
}

/** A persisted snapshot opened: its head read, its pieces decoded when first asked for. */
export interface OpenedSnapshot {
  head: Omit<SnapshotHead, 'parts'>;
  /** How many pieces it has. */
  parts: number;
  /** Its length in bytes, as its head says. */
  size: number;
  /** Where piece `i`'s bytes end. */
  end(i: number): number;
  /** Piece `i` (its strings made and its entities and offsets parsed on the first call; kept). */
  part(i: number): TransferPart;
  /**
   * Piece `i` as a pull sends it before the snapshot is decoded: its entities and items made
   * (kept for `part`), its entity JSON — the bulk of it, which the worker does not read while the
   * main thread receives — as its UTF-8 bytes, a copy of its own (once decoded: `part`'s string).
   */
  sent(i: number): Omit<TransferPart, 'entityJson'> & {
    entityJson: string | Uint8Array;
  };
  /** Every piece, those not asked for yet decoded now. */
  document(): SnapshotDocument;
}

/** Where an opened snapshot's bytes are read from: all of them, or as they arrive (arriving.ts). */
export interface SnapshotBytes {
  /** The bytes from `from` to `to` (in already). */
  range(from: number, to: number): Uint8Array;
  /** Every piece before byte `at` is decoded: the bytes before it may be let go. */
  release?(at: number): void;
}

/**
 * Opens a snapshot's bytes (see {@link SnapshotHead}): reads its head, checks its pieces' lengths
 * add up to its size, and decodes nothing else — each piece is made strings when first asked
 * for, so that a starting replica's worker can announce the snapshot at once and decode piece i
 * while the main thread reads piece i − 1 (at 100k, decoding all 1,507 pieces up front took the
 * worker 1.5-2.0 s before the main thread could read the first; bench:snapshot). Throws when it
 * is not of `format`, or not as long as its head says.
 */
export function openSnapshot(
  bytes: Uint8Array,
  format: number,
): OpenedSnapshot {
  const end = bytes.indexOf(NEWLINE);
  const opened = openPieces(bytes.subarray(0, end < 0 ? 0 : end), format, {
    range: (from, to) => bytes.subarray(from, to),
  });
  if (opened.size !== bytes.length) {
    throw new Error('a persisted snapshot of the wrong length');
  }
  return opened;
}

/**
 * Opens a snapshot from its first line (`headLine`, without its newline) and the source of the
 * rest, which need not be in yet: piece `i` is read once the bytes up to `end(i)` are.
 */
export function openPieces(
  headLine: Uint8Array,
  format: number,
  bytes: SnapshotBytes,
): OpenedSnapshot {
  const decoder = new TextDecoder();
  let head: SnapshotHead | undefined;
  try {
    head = JSON.parse(decoder.decode(headLine));
  } catch {
    head = undefined;
  }
  if (head?.format !== format) {
    throw new Error(
      `cannot read a snapshot of format ${String(
        head?.format,
      )} (this version reads ${format})`,
    );
  }
  const { parts: lengths, ...rest } = head;
  // where each piece starts
  const starts: number[] = [];
  let at = headLine.length + 1;
  for (const four of lengths) {
    starts.push(at);
    for (const n of four) at += n;
  }
  const size = at;
  const decoded: Array<TransferPart | undefined> = new Array(lengths.length);
  /** Pieces sent (`sent`) before they were decoded: their entities and items, made once. */
  const items: Array<Omit<TransferPart, 'entityJson'> | undefined> = new Array(
    lengths.length,
  );
  /** The pieces decoded from the first on, one after the other. */
  let prefix = 0;
  let source: SnapshotBytes | undefined = bytes;
  /** Where piece `i`'s segments start, and where it ends. */
  const bounds = (i: number) => {
    if (!source || i < 0 || i >= lengths.length) {
      throw new Error(`a persisted snapshot has no piece ${i}`);
    }
    const [entities, entityJson, json] = lengths[i];
    const e = starts[i] + entities;
    return [starts[i], e, e + entityJson, e + entityJson + json] as const;
  };
  const text = (from: number, to: number) =>
    decoder.decode(source!.range(from, to));
  const itemsOf = (i: number) => {
    let made = items[i];
    if (!made) {
      const [e, j, t, o] = bounds(i);
      made = {
        entities: JSON.parse(text(e, j)) as EntityWire[],
        json: text(t, o),
        offsets: JSON.parse(text(o, o + lengths[i][3])) as number[],
      };
      items[i] = made;
    }
    return made;
  };
  const part = (i: number): TransferPart => {
    const done = decoded[i];
    if (done) return done;
    const [, j, t] = bounds(i);
    const piece: TransferPart = { ...itemsOf(i), entityJson: text(j, t) };
    decoded[i] = piece;
    items[i] = undefined;
    if (i === prefix) {
      while (prefix < lengths.length && decoded[prefix]) prefix++;
      // once every piece is made, the bytes are let go
      source!.release?.(prefix < lengths.length ? starts[prefix] : size);
      if (prefix === lengths.length) source = undefined;
    }
    return piece;
  };
  return {
    head: rest,
    parts: lengths.length,
    size,
    end: i => (i + 1 < starts.length ? starts[i + 1] : size),
    part,
    sent: i => {
      const done = decoded[i];
      if (done) return done;
      const [, j, t] = bounds(i);
      // its own memory (a copy: a Buffer's slice is a view of its chunk), handed over to the
      // main thread
      return { ...itemsOf(i), entityJson: new Uint8Array(source!.range(j, t)) };
    },
    document: () => ({
      head: rest,
      parts: Array.from({ length: lengths.length }, (_, i) => part(i)),
    }),
  };
}

/** An opened snapshot's pieces decoded in order, each handed to `take` once. */
export class InOrder {
  private next = 0;

  constructor(
    readonly opened: OpenedSnapshot,
    private readonly take: (part: TransferPart) => void,
  ) {}

  /** Decodes the pieces up to `i` not decoded yet. */
  upTo(i: number): void {
    const last = Math.min(i, this.opened.parts - 1);
    while (this.next <= last) this.take(this.opened.part(this.next++));
  }

  /** Decodes the rest. */
  finish(): void {
    this.upTo(this.opened.parts - 1);
  }
}

/**
 * Reads a snapshot's bytes (see {@link SnapshotHead}): its head, and its pieces as strings (not
 * parsed); throws when it is not of `format`.
 */
export function decodeSnapshot(
  bytes: Uint8Array,
  format: number,
): SnapshotDocument {
  return openSnapshot(bytes, format).document();
}
