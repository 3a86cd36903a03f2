/*
 * What every importer shares: the document it reads, where to report, and how to mark the
 * values it takes with where they were read.
 */
import type { ImportFormat, ImportedAt, SourceLocation } from '../types';
import type { ContractSections } from '../parser/normalize';
import { type LocatedDocument, describeType } from '../parser/yamlSource';

/** What an importer needs to know of the entity and where to report. */
export interface ImportContext {
  /** The full ref of the entity the document belongs to. */
  entityRef: string;
  namespace: string;
  doc: LocatedDocument;
  /** The component providing the API (OpenAPI: the target of its gateway's calls). */
  provider?: string;
  /** Reports a located problem at a JSON pointer of the document (`/slaProperties/0/unit`). */
  report(pointer: string, message: string): void;
}

export type Dict = Record<string, unknown>;

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, trimmed; numbers as their text (YAML reads `target: 99` as a number). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  return value.trim() || undefined;
}

/** A number written as a number or as a numeric string (`"99.5"`). */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) ? value : undefined;
  if (
    typeof value !== 'string' ||
    !/^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(value)
  )
    return undefined;
  return Number(value);
}

export function emptySections(): ContractSections {
  return {
    dependsOn: [],
    operations: [],
    datasets: [],
    endpoints: [],
    dataDependencies: [],
    retryPolicies: [],
    idempotency: [],
    requires: [],
  };
}

/** Reads one document of a format: locations, marks and problems. */
export class ImportReader {
  constructor(readonly format: ImportFormat, readonly ctx: ImportContext) {}

  /** Where the value at `pointer` was written, as a contract location. */
  loc(pointer: string): SourceLocation {
    const { line, column, path } = this.ctx.doc.locate(pointer);
    const out: SourceLocation = { file: this.ctx.doc.file, path };
    if (line !== undefined) out.line = line;
    if (column !== undefined) out.column = column;
    return out;
  }

  /** The imported mark of the value at `pointer`. */
  mark(pointer: string): ImportedAt {
    const { file, line, column, path } = this.loc(pointer);
    const out: ImportedAt = { format: this.format, file: file ?? '', path };
    if (line !== undefined) out.line = line;
    if (column !== undefined) out.column = column;
    return out;
  }

  report(pointer: string, message: string): void {
    this.ctx.report(pointer, message);
  }

  /** A required string at `pointer`: reported when missing or not a string. */
  requireText(
    value: unknown,
    pointer: string,
    what: string,
  ): string | undefined {
    const read = text(value);
    if (read === undefined) {
      this.report(
        pointer,
        `${what}: expected a text, got ${
          typeof value === 'string' ? 'an empty string' : describeType(value)
        }`,
      );
    }
    return read;
  }
}
