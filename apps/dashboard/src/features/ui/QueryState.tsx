import type { ErrorLike } from '@apollo/client';
import type { ReactNode } from 'react';

/**
 * Loading, error and empty states around data. Once data has been shown, a refetch (a live tick,
 * a filter change) keeps the old data on screen with a quiet busy marker: no flicker.
 */
export function QueryState({
  loading,
  error,
  hasData,
  empty,
  emptyText = 'No flows match the filter.',
  onRetry,
  children,
}: {
  loading: boolean;
  error?: ErrorLike;
  hasData: boolean;
  empty?: boolean;
  emptyText?: ReactNode;
  onRetry?: () => void;
  children: ReactNode;
}) {
  if (error && !hasData) {
    return (
      <div className="state state-error" role="alert">
        <p>Could not load this: {error.message}</p>
        {onRetry ? (
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        ) : null}
      </div>
    );
  }
  if (!hasData) {
    return (
      <div className="state state-loading" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> Loading…
      </div>
    );
  }
  if (empty) {
    return <div className="state state-empty">{emptyText}</div>;
  }
  return (
    <div className="state-data" aria-busy={loading}>
      {children}
    </div>
  );
}
