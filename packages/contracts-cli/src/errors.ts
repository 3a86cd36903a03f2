/**
 * A mistake of the caller (bad option, unreadable path, malformed configuration): reported on
 * one line, exit code 2.
 */
export class UsageError extends Error {
  readonly name = 'UsageError';
}

/** The one-line reason of a file-system error: `no such file or directory`. */
export function fsReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return String(e?.message ?? error).split('\n')[0];
  }
}
