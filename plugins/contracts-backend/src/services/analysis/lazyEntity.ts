import type {
  ContractProblem,
  EntityContract,
  EntitySummary,
} from '@backstage-contracts/plugin-contracts-common';
import type { StoredEntity, TransferPart } from './protocol';

/**
 * An entity as a transfer's piece (or a persisted snapshot) carries it: its summary and contract
 * are parsed when first read (a snapshot of a large catalog is tens of megabytes of contracts,
 * most of which no request reads). The main thread holds its received entities so, and the worker
 * those of an adopted snapshot.
 */
export class LazyEntity implements StoredEntity {
  /** Its piece's entity JSON, while it is not read: its own is from `start` to `end`. */
  private text?: string;
  private body?: { summary: EntitySummary; contract?: EntityContract };

  constructor(
    readonly etag: string | undefined,
    readonly problems: ContractProblem[],
    text: string,
    private readonly start: number,
    private readonly end: number,
    readonly contractHash: string | undefined,
  ) {
    this.text = text;
  }

  private read() {
    if (!this.body) {
      this.body = JSON.parse(this.text!.slice(this.start, this.end));
      this.text = undefined;
    }
    return this.body!;
  }

  get summary(): EntitySummary {
    return this.read().summary;
  }

  get contract(): EntityContract | undefined {
    return this.read().contract;
  }

  /** Its summary and contract as JSON (as sent: `{"summary":…,"contract":…}`), unparsed if unread. */
  json(): string {
    return this.text !== undefined
      ? this.text.slice(this.start, this.end)
      : JSON.stringify(this.body);
  }

  toJSON(): StoredEntity {
    return {
      etag: this.etag,
      summary: this.summary,
      contract: this.contract,
      problems: this.problems,
      contractHash: this.contractHash,
    };
  }
}

/**
 * The problems of every entity without any: one array (frozen), not one per entity — at 100k
 * entities, 100k arrays fewer for each major GC of the main thread to mark.
 */
const NO_PROBLEMS = Object.freeze([]) as unknown as ContractProblem[];

/** The entities of a piece, each with its JSON in the piece's `entityJson`. */
export function entitiesOf(
  part: Pick<TransferPart, 'entities' | 'entityJson'>,
): Array<[string, LazyEntity]> {
  let start = 0;
  return part.entities.map(([k, etag, problems, end, hash]) => {
    const stored = new LazyEntity(
      etag ?? undefined,
      problems ? JSON.parse(problems) : NO_PROBLEMS,
      part.entityJson,
      start,
      end,
      hash ?? undefined,
    );
    start = end;
    return [k, stored];
  });
}
