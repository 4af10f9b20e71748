'use client';
import { useQuery } from '@apollo/client/react';
import {
  CapturesDocument,
  CompareCapturesDocument,
  CompareFiltersDocument,
  type ComparisonFieldsFragment,
} from '../../gql/graphql';
import { isoToLocalInput, localInputToIso } from '../filter/draft.ts';
import { useFilter, useQueryParam } from '../filter/useFilter.ts';
import { IpLink } from '../ui/IpLink.tsx';
import { keptData } from '../ui/kept-data.ts';
import { MetricToggle } from '../ui/MetricToggle.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { CompareTable } from './CompareTable.tsx';

type Mode = 'captures' | 'ranges';

/** Compare: two captures, or two time ranges of the filtered flows, side by side. */
export function CompareTab() {
  const [modeParam, setMode] = useQueryParam('cmp');
  const mode: Mode = modeParam === 'ranges' ? 'ranges' : 'captures';
  return (
    <div className="grid">
      <Panel
        title="Compare"
        className="wide"
        testId="panel-compare"
        actions={
          <MetricToggle
            label="Compare"
            value={mode}
            onChange={(m) => setMode(m)}
            options={[
              { value: 'captures', label: 'Two captures' },
              { value: 'ranges', label: 'Two time ranges' },
            ]}
          />
        }
      >
        {mode === 'captures' ? <CaptureCompare /> : <RangeCompare />}
      </Panel>
    </div>
  );
}

function CaptureCompare() {
  const [a, setA] = useQueryParam('a');
  const [b, setB] = useQueryParam('b');
  const list = useQuery(CapturesDocument);
  const captures = list.data?.captures ?? [];
  const q = useQuery(CompareCapturesDocument, { variables: { a: a ?? '', b: b ?? '' }, skip: !a || !b });
  const picker = (label: string, value: string | null, set: (v: string | null) => void) => (
    <label className="field">
      <span className="label">{label}</span>
      <select value={value ?? ''} onChange={(e) => set(e.target.value || null)}>
        <option value="">Choose a capture…</option>
        {captures.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.status.toLowerCase()})
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <div className="filter-row">
        {picker('Capture A', a, setA)}
        {picker('Capture B', b, setB)}
      </div>
      {a && b ? (
        <QueryState
          loading={q.loading}
          error={q.error}
          hasData={!!keptData(q)}
          onRetry={() => void q.refetch()}
        >
          <Comparison c={keptData(q)?.compareCaptures} />
        </QueryState>
      ) : (
        <p className="muted">Choose two captures.</p>
      )}
    </>
  );
}

function RangeCompare() {
  const { flowFilter } = useFilter();
  const [a1, setA1] = useQueryParam('aFrom');
  const [a2, setA2] = useQueryParam('aTo');
  const [b1, setB1] = useQueryParam('bFrom');
  const [b2, setB2] = useQueryParam('bTo');
  const ready = !!(a1 && a2 && b1 && b2);
  const q = useQuery(CompareFiltersDocument, {
    variables: { a: { ...flowFilter, from: a1, to: a2 }, b: { ...flowFilter, from: b1, to: b2 } },
    skip: !ready,
  });
  const input = (label: string, value: string | null, set: (v: string | null) => void) => (
    <label className="field">
      <span className="label">{label}</span>
      <input
        type="datetime-local"
        step={1}
        value={isoToLocalInput(value ?? '')}
        onChange={(e) => set(localInputToIso(e.target.value) || null)}
      />
    </label>
  );
  return (
    <>
      <div className="filter-row">
        {input('A from (UTC)', a1, setA1)}
        {input('A to', a2, setA2)}
        {input('B from (UTC)', b1, setB1)}
        {input('B to', b2, setB2)}
      </div>
      {ready ? (
        <QueryState
          loading={q.loading}
          error={q.error}
          hasData={!!keptData(q)}
          onRetry={() => void q.refetch()}
        >
          <Comparison c={keptData(q)?.compare} />
        </QueryState>
      ) : (
        <p className="muted">Set both time ranges (the filter bar applies to both).</p>
      )}
    </>
  );
}

function Comparison({ c }: { c: ComparisonFieldsFragment | undefined }) {
  if (!c) return null;
  return (
    <div className="compare">
      <CompareTable title="Protocols" rows={c.protocols} testId="compare-protocols" />
      <CompareTable title="Countries" rows={c.countries} testId="compare-countries" />
      <CompareTable title="Top talkers" rows={c.talkers} testId="compare-talkers" />
      <div>
        <h3>Appeared in B ({c.appeared.length})</h3>
        <ul className="inline-list" data-testid="compare-appeared">
          {c.appeared.map((ip) => (
            <li key={ip}>
              <IpLink ip={ip} />
            </li>
          ))}
        </ul>
        <h3>Vanished from A ({c.vanished.length})</h3>
        <ul className="inline-list" data-testid="compare-vanished">
          {c.vanished.map((ip) => (
            <li key={ip}>
              <IpLink ip={ip} />
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
