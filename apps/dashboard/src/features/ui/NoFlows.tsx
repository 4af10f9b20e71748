'use client';
import { EMPTY_FILTER } from '../filter/filter-state.ts';
import { useFilter, useQueryParam } from '../filter/useFilter.ts';

/** The empty state: either nothing is stored yet, or the filter excludes everything. */
export function NoFlows() {
  const { flowFilter, setFilter } = useFilter();
  const [, setTab] = useQueryParam('tab');
  return (
    <div className="empty" data-testid="no-flows">
      {flowFilter ? (
        <>
          <p>No flows match the filter.</p>
          <button type="button" onClick={() => setFilter(EMPTY_FILTER)}>
            Clear the filter
          </button>
        </>
      ) : (
        <>
          <p>No flows yet. Upload a capture, import one from a URL, or stream one live.</p>
          <button type="button" className="primary" onClick={() => setTab('captures')}>
            Go to Captures
          </button>
        </>
      )}
    </div>
  );
}
