import { createHash } from 'node:crypto';
import { writeItems } from './graphItems';
import { LazyEntity } from './lazyEntity';
import type { EntityWire, StoredEntity, TransferPart } from './protocol';

/*
 * How the analysis worker writes a transfer's pieces (and a persisted snapshot's: the same
 * pieces), and the digests it tells what it sent apart by (AnalysisCore).
 */

/** The most characters of JSON in one piece of a transfer (parsed in ~1–3 ms). */
const PART_CHARS = 256 * 1024;

/**
 * Cuts items into pieces of at most about {@link PART_CHARS} characters each: findings, nodes and
 * edges as one JSON document, entities as strings of their own (read when first used).
 */
export class PartWriter {
  private parts: TransferPart[] = [];
  private fields = new Map<string, string[]>();
  private entities: EntityWire[] = [];
  private entityJson: string[] = [];
  private entityChars = 0;
  private size = 0;

  add(field: 'f' | 'n' | 'e', json: string) {
    let list = this.fields.get(field);
    if (!list) this.fields.set(field, (list = []));
    list.push(json);
    this.grow(json.length + 1);
  }

  addEntity([k, etag, problems, json, hash]: EntityJson) {
    this.entityChars += json.length;
    this.entities.push([k, etag, problems, this.entityChars, hash]);
    this.entityJson.push(json);
    this.grow(json.length + (problems?.length ?? 0) + k.length);
  }

  private grow(chars: number) {
    this.size += chars;
    if (this.size >= PART_CHARS) this.cut();
  }

  private cut() {
    if (!this.size) return;
    // with each item's place in it: the main thread keeps the text, and parses an item when
    // something reads it
    const { json, offsets } = writeItems({
      f: this.fields.get('f'),
      n: this.fields.get('n'),
      e: this.fields.get('e'),
    });
    this.parts.push({
      json,
      offsets,
      entities: this.entities,
      entityJson: this.entityJson.join(''),
    });
    this.fields = new Map();
    this.entities = [];
    this.entityJson = [];
    this.entityChars = 0;
    this.size = 0;
  }

  /** How many pieces are cut and not taken yet. */
  get cuts(): number {
    return this.parts.length;
  }

  /** The pieces cut since the last take (the writer lets them go). */
  take(): TransferPart[] {
    const parts = this.parts;
    this.parts = [];
    return parts;
  }

  /** The pieces not taken yet, the last one cut now. */
  finish(): TransferPart[] {
    this.cut();
    return this.take();
  }
}

/**
 * The pieces of a full transfer of these entities and items, made one at a time as asked for
 * (a persisted snapshot's: persisted.ts writeSnapshot): only the piece being made is held.
 */
export function* fullPieces(
  entities: Iterable<[string, StoredEntity]>,
  items: Record<'f' | 'n' | 'e', readonly object[]>,
): Generator<TransferPart, void, undefined> {
  const writer = new PartWriter();
  for (const [k, e] of entities) {
    writer.addEntity(entityWire(k, e));
    if (writer.cuts) yield* writer.take();
  }
  for (const field of ['f', 'n', 'e'] as const) {
    for (const item of items[field]) {
      writer.add(field, JSON.stringify(item));
      if (writer.cuts) yield* writer.take();
    }
  }
  yield* writer.finish();
}

/** An entity as written into a piece: EntityWire with its JSON in place of where it ends. */
export type EntityJson = [
  string,
  string | null,
  string | null,
  string,
  string | null,
];

/** An entity as sent (see EntityWire). */
export function entityWire(k: string, stored: StoredEntity): EntityJson {
  return [
    k,
    stored.etag ?? null,
    stored.problems.length ? JSON.stringify(stored.problems) : null,
    // (an adopted snapshot's entity as it came, unless it was read)
    stored instanceof LazyEntity
      ? stored.json()
      : JSON.stringify({ summary: stored.summary, contract: stored.contract }),
    stored.contractHash ?? null,
  ];
}

/** The digest that tells two items (or entities) as sent apart. */
export const digest = (text: string) =>
  createHash('sha1').update(text).digest('base64');

/** The digest of an entity as sent. */
export const entityDigest = (wire: EntityJson) => digest(wire.join('\u0000'));
