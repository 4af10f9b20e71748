'use client';
import { useQuery } from '@apollo/client/react';
import { CapturesDocument } from '../../gql/graphql';
import { toggleIn } from './filter-state.ts';
import { useFilter } from './useFilter.ts';

/** Which datasets and captures the views look at (all when none is ticked). */
export function ScopePicker() {
  const { filter, setFilter } = useFilter();
  const { data } = useQuery(CapturesDocument);
  const datasets = data?.datasets ?? [];
  const captures = data?.captures ?? [];
  const n = filter.datasets.length + filter.captures.length;
  const summary =
    n === 0
      ? 'All captures'
      : filter.captures.length === 1 && filter.datasets.length === 0
        ? (captures.find((c) => c.id === filter.captures[0])?.name ?? '1 capture')
        : `${n} selected`;
  return (
    <details className="scope field" data-testid="scope-picker">
      <summary>
        <span className="label">Captures</span>
        <span className="value">{summary}</span>
      </summary>
      <div className="scope-menu">
        {datasets.length === 0 && captures.length === 0 ? <p className="muted">No captures yet.</p> : null}
        {datasets.map((d) => (
          <fieldset key={d.id}>
            <legend>
              <label>
                <input
                  type="checkbox"
                  checked={filter.datasets.includes(d.id)}
                  onChange={() => setFilter((f) => ({ ...f, datasets: toggleIn(f.datasets, d.id) }))}
                />{' '}
                {d.name} <span className="muted">(dataset)</span>
              </label>
            </legend>
            {captures
              .filter((c) => c.datasetId === d.id)
              .map((c) => (
                <label key={c.id} className="scope-capture">
                  <input
                    type="checkbox"
                    checked={filter.captures.includes(c.id)}
                    onChange={() => setFilter((f) => ({ ...f, captures: toggleIn(f.captures, c.id) }))}
                  />{' '}
                  {c.name}
                </label>
              ))}
          </fieldset>
        ))}
        {captures
          .filter((c) => !datasets.some((d) => d.id === c.datasetId))
          .map((c) => (
            <label key={c.id} className="scope-capture">
              <input
                type="checkbox"
                checked={filter.captures.includes(c.id)}
                onChange={() => setFilter((f) => ({ ...f, captures: toggleIn(f.captures, c.id) }))}
              />{' '}
              {c.name}
            </label>
          ))}
      </div>
    </details>
  );
}
