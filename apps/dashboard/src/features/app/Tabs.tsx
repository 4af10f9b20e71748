'use client';
import { type KeyboardEvent, useRef } from 'react';
import { TABS, type TabId } from './tabs.ts';

/** The tab strip: arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern). */
export function Tabs({ current, onSelect }: { current: TabId; onSelect: (tab: TabId) => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent, i: number) => {
    const last = TABS.length - 1;
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % TABS.length
        : e.key === 'ArrowLeft'
          ? (i + last) % TABS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : -1;
    if (next < 0) return;
    e.preventDefault();
    refs.current[next]?.focus();
    onSelect(TABS[next].id);
  };
  return (
    <div role="tablist" aria-label="Views" className="tabs">
      {TABS.map((t, i) => (
        <button
          key={t.id}
          ref={(b) => {
            refs.current[i] = b;
          }}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={t.id === current}
          aria-controls="tabpanel"
          tabIndex={t.id === current ? 0 : -1}
          data-tab={t.id}
          onClick={() => onSelect(t.id)}
          onKeyDown={(e) => onKeyDown(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
