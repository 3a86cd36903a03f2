import type { ReactNode } from 'react';
import Typography from '@material-ui/core/Typography';
import { ErrorBoundary } from 'react-error-boundary';

function message(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * One item of a list (a decision, a finding, a team row): when it throws while rendering, it
 * shows a one-line error in its place and the rest of the list renders. Rendered again when
 * `resetKeys` change (a refetch brings the item anew).
 */
export const ItemErrorBoundary = ({
  what,
  id,
  resetKeys,
  children,
}: {
  /** What the item is, for the message: `decision`, `finding`. */
  what: string;
  /** Its id, when known. */
  id?: unknown;
  resetKeys?: unknown[];
  children: ReactNode;
}) => (
  <ErrorBoundary
    resetKeys={resetKeys}
    fallbackRender={({ error }) => (
      <Typography
        variant="body2"
        color="error"
        role="alert"
        data-testid="item-error"
      >
        This {what}
        {typeof id === 'string' && id ? ` (${id})` : ''} cannot be shown:{' '}
        {message(error)}
      </Typography>
    )}
  >
    {children}
  </ErrorBoundary>
);
