'use client';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import type { FlowOrder, FlowOrderField, FlowRowFragment } from '../../gql/graphql';
import type { FlowColumn } from './columns.tsx';

const ROW_HEIGHT = 30;

/**
 * The flow table: only the rows in view are in the DOM (any number of flows), sortable by
 * clicking a header, loading further pages as you scroll. Up/Down move, Enter opens a flow.
 */
export function FlowTable({
  rows,
  total,
  columns,
  order,
  onSort,
  onOpen,
  onNeedMore,
  selectedKey,
}: {
  rows: readonly FlowRowFragment[];
  total: number;
  columns: readonly FlowColumn[];
  order: FlowOrder;
  onSort: (field: FlowOrderField) => void;
  onOpen: (flow: FlowRowFragment) => void;
  onNeedMore: () => void;
  selectedKey: string | null;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = v.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;

  useEffect(() => {
    if (rows.length > 0 && lastIndex >= rows.length - 40 && rows.length < total) onNeedMore();
  }, [lastIndex, rows.length, total, onNeedMore]);

  const template = columns.map((c) => c.width).join(' ');
  const keyOf = (f: FlowRowFragment) => `${f.captureId}/${f.id}`;

  const onKeyDown = (e: KeyboardEvent) => {
    const move = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20 }[e.key];
    if (move !== undefined) {
      e.preventDefault();
      const next = Math.max(0, Math.min(rows.length - 1, active + move));
      setActive(next);
      v.scrollToIndex(next, { align: 'auto' });
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      const next = e.key === 'Home' ? 0 : rows.length - 1;
      setActive(next);
      v.scrollToIndex(next);
    } else if (e.key === 'Enter' && rows[active]) {
      e.preventDefault();
      onOpen(rows[active]);
    }
  };

  return (
    // The scrolling box takes the arrow keys for the virtualised rows (only the visible ones exist).
    // biome-ignore lint/a11y/noStaticElementInteractions: keyboard navigation of the virtualised rows
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the label names the focusable scrolling box
    <div
      ref={scroller}
      className="flowtable"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the scrolling table takes the arrow keys
      tabIndex={0}
      onKeyDown={onKeyDown}
      aria-label={`Flows, ${total} in all; arrow keys move, Enter opens`}
      data-testid="flow-table"
    >
      <table aria-rowcount={total + 1}>
        <thead>
          <tr style={{ gridTemplateColumns: template }}>
            {columns.map((c) => {
              const sorted = c.sort && order.field === c.sort;
              return (
                <th
                  key={c.id}
                  scope="col"
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={sorted ? (order.direction === 'ASC' ? 'ascending' : 'descending') : undefined}
                >
                  {c.sort ? (
                    <button type="button" onClick={() => c.sort && onSort(c.sort)} data-sort={c.sort}>
                      {c.header}
                      <span aria-hidden="true">
                        {sorted ? (order.direction === 'ASC' ? ' ▲' : ' ▼') : ''}
                      </span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody style={{ height: v.getTotalSize() }}>
          {items.map((item) => {
            const f = rows[item.index];
            const key = keyOf(f);
            return (
              <tr
                key={key}
                aria-rowindex={item.index + 2}
                aria-selected={key === selectedKey}
                className={`ft-row${item.index === active ? ' active' : ''}${f.final ? '' : ' live'}`}
                data-flow={key}
                style={{
                  transform: `translateY(${item.start}px)`,
                  height: ROW_HEIGHT,
                  gridTemplateColumns: template,
                }}
                onClick={() => {
                  setActive(item.index);
                  onOpen(f);
                }}
              >
                {columns.map((c) => (
                  <td key={c.id} className={c.numeric ? 'num' : undefined} data-col={c.id}>
                    {c.cell(f)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
