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

export function decodeCursor(cursor?: string): number {
  if (!cursor) return 0;
  const offset = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InputError('Invalid cursor');
  }
  return offset;
}

export function page<T>(items: T[], offset: number, limit: number) {
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit;
  return {
    items: slice,
    ...(next < items.length
      ? { nextCursor: Buffer.from(String(next), 'utf8').toString('base64url') }
      : {}),
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
