'use client';
import { DEFAULT_COLUMNS, FLOW_COLUMNS } from './columns.tsx';

/** Which columns the flow table shows (in the table's own order). */
export function ColumnChooser({
  visible,
  onChange,
}: {
  visible: string[];
  onChange: (ids: string[]) => void;
}) {
  const toggle = (id: string) => {
    const next = visible.includes(id) ? visible.filter((v) => v !== id) : [...visible, id];
    onChange(FLOW_COLUMNS.map((c) => c.id).filter((c) => next.includes(c)));
  };
  return (
    <details className="menu" data-testid="column-chooser">
      <summary>Columns</summary>
      <div className="menu-body">
        {FLOW_COLUMNS.map((c) => (
          <label key={c.id}>
            <input
              type="checkbox"
              checked={visible.includes(c.id)}
              disabled={visible.length === 1 && visible.includes(c.id)}
              onChange={() => toggle(c.id)}
              data-column={c.id}
            />{' '}
            {c.header}
          </label>
        ))}
        <button type="button" className="ghost" onClick={() => onChange(DEFAULT_COLUMNS)}>
          Defaults
        </button>
      </div>
    </details>
  );
}
