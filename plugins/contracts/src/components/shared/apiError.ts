import { ResponseError } from '@backstage/errors';

function seconds(retryAfter: string | null | undefined): number | undefined {
  if (!retryAfter) return undefined;
  const n = Number(retryAfter);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const at = Date.parse(retryAfter);
  return Number.isNaN(at)
    ? undefined
    : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * What a failed contracts API call says to the user, in words: the backend's own message, and
 * for a refusal (403), a conflict (409, e.g. a finding that has all the decision records it may
 * have, a record already withdrawn) or too many writes (429) what it means.
 */
export function apiErrorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    const reason = error.cause?.message || error.statusText || error.message;
    switch (error.statusCode) {
      case 403:
        return `Not allowed: ${reason}`;
      case 404:
        return `Not found: ${reason}`;
      case 409:
        return `Not possible now: ${reason}`;
      case 429: {
        const wait = seconds(error.response?.headers?.get?.('Retry-After'));
        return `Too many changes in a short time: try again ${
          wait !== undefined ? `in ${wait} s` : 'in a moment'
        }. (${reason})`;
      }
      default:
        return reason;
    }
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
