import { InputError } from '@backstage/errors';
import type {
  NextFunction,
  Request as ExpressRequest,
  Response,
} from 'express';

/** A request of any route (the generated router types each route's own). */
export type AnyRequest = ExpressRequest<any, any, any, any>;

/**
 * How the routers generated from `src/schema/openapi.yaml` validate requests (Backstage's
 * defaults but for two): the properties a body schema with `additionalProperties: false` does
 * not name are dropped, not refused (a forged `deciders` on a decision is ignored, and a retry
 * with one is still the same request for its Idempotency-Key); and `format: date` is a real day
 * of the calendar (`2027-02-30` is not). (`removeAdditional: 'all'` would drop the headers the
 * spec does not name too, Authorization included.)
 */
export const OPENAPI_VALIDATOR_OPTIONS = {
  validateRequests: {
    coerceTypes: false,
    allowUnknownQueryParameters: false,
    removeAdditional: true,
  },
  ajvFormats: { mode: 'full' as const },
};

/**
 * The 400s of the OpenAPI validator (every request is validated against
 * `src/schema/openapi.yaml` before a route sees it), worded as the routes' own:
 * `request/body/title must NOT have more than 500 characters` becomes `Invalid request:
 * body.title must NOT have more than 500 characters`. Other errors pass unchanged.
 */
export function openApiInputErrors(
  error: unknown,
  _req: AnyRequest,
  _res: Response,
  next: NextFunction,
) {
  if (
    error instanceof InputError &&
    /^(request\/|unsupported media type)/.test(error.message)
  ) {
    const message = error.message.replace(
      /request\/([\w/-]+)/g,
      (_m, where: string) => where.split('/').join('.'),
    );
    next(new InputError(`Invalid request: ${message}`));
    return;
  }
  next(error);
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
  req: AnyRequest,
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

/** The rows `from` to `to` (exclusive) of `length` a page shows, and the next page's cursor. */
export function pageRange(length: number, offset: number, limit: number) {
  const next = offset + limit;
  return {
    from: offset,
    to: Math.min(next, length),
    ...(next < length ? { nextCursor: encodeCursor(next) } : {}),
  };
}

export function page<T>(items: T[], offset: number, limit: number) {
  const { from, to, ...next } = pageRange(items.length, offset, limit);
  return { items: items.slice(from, to), ...next };
}

export function idempotencyKey(req: AnyRequest): string | undefined {
  const value = req.header('idempotency-key');
  if (value === undefined) return undefined;
  if (!value.trim() || value.length > 256) {
    throw new InputError('Idempotency-Key must be 1 to 256 characters');
  }
  return value.trim();
}
