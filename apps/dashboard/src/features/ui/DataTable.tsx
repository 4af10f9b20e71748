import type { ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** The raw value, written to data-value (tests compare numbers, not formatting). */
  value?: (row: T) => string | number | null | undefined;
  numeric?: boolean;
}

/** A small static table (top lists); the flow table has its own virtualised one. */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  caption,
  testId,
  onRowClick,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T, i: number) => string;
  caption?: string;
  testId?: string;
  onRowClick?: (row: T) => void;
}) {
  return (
    <table className="data" data-testid={testId}>
      {caption ? <caption className="sr-only">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr
            key={rowKey(row, i)}
            data-key={rowKey(row, i)}
            className={onRowClick ? 'clickable' : undefined}
            onClick={onRowClick ? () => onRowClick(row) : undefined}
          >
            {columns.map((c) => (
              <td
                key={c.key}
                data-col={c.key}
                data-value={c.value ? (c.value(row) ?? '') : undefined}
                className={c.numeric ? 'num' : undefined}
              >
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
