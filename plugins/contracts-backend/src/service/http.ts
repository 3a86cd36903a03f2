import { InputError } from '@backstage/errors';
import type { Request } from 'express';
import { z } from 'zod';

/** The most items one page of a list may hold. */
export const MAX_LIMIT = 500;

/** Query fields of every paged list. */
export const pageSchema = {
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
  cursor: z.string().optional(),
};

/** Validates a request part with a zod schema; a 400 naming every bad field otherwise. */
export function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues
      .map(i => `${i.path.join('.') || what}: ${i.message}`)
      .join('; ');
    throw new InputError(`Invalid ${what}: ${issues}`);
  }
  return result.data;
}

/** The cursor of the page that starts at `offset`. */
export function encodeCursor(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64url');
}

/**
 * The offset a cursor stands for. Strict: only what {@link encodeCursor} makes (no `1e21`,
 * no padding, no sign, no leading zeros); anything else is a 400.
 */
export function decodeCursor(cursor?: string): number {
  if (cursor === undefined) return 0;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (
    !/^(0|[1-9][0-9]{0,14})$/.test(text) ||
    encodeCursor(Number(text)) !== cursor
  ) {
    throw new InputError(
      'Invalid cursor: use the nextCursor of a previous page',
    );
  }
  return Number(text);
}

/** The path of the first string holding a NUL character in a parsed request part, if any. */
export function findNulByte(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? path || '(value)' : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulByte(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return `${path ? `${path}.` : ''}${k}`;
      const found = findNulByte(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Refuses (400) a request whose query or body holds a NUL character: PostgreSQL cannot store
 * or compare one, SQLite can, and both databases must answer alike.
 */
export function rejectNulBytes(
  req: Request,
  _res: unknown,
  next: (e?: unknown) => void,
) {
  const inQuery = findNulByte(req.query);
  const inBody = inQuery ? undefined : findNulByte(req.body);
  const where = inQuery ? `query ${inQuery}` : inBody && `body ${inBody}`;
  next(
    where
      ? new InputError(`Invalid request: ${where} contains a NUL character`)
      : undefined,
  );
}

export function page<T>(items: T[], offset: number, limit: number) {
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit;
  return {
    items: slice,
    ...(next < items.length ? { nextCursor: encodeCursor(next) } : {}),
  };
}

export function idempotencyKey(req: Request): string | undefined {
  const value = req.header('idempotency-key');
  if (value === undefined) return undefined;
  if (!value.trim() || value.length > 256) {
    throw new InputError('Idempotency-Key must be 1 to 256 characters');
  }
  return value.trim();
}
