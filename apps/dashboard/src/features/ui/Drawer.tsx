'use client';
import { type ReactNode, useEffect, useRef } from 'react';

/** A side panel over the page; Escape or the close button closes it, focus moves into it. */
export function Drawer({
  title,
  onClose,
  children,
  testId,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close.current();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, []);
  return (
    <aside
      ref={ref}
      className="drawer"
      role="dialog"
      aria-modal="false"
      aria-label={typeof title === 'string' ? title : undefined}
      tabIndex={-1}
      data-testid={testId}
    >
      <header className="drawer-head">
        <h2>{title}</h2>
        <button type="button" className="ghost close" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <div className="drawer-body">{children}</div>
    </aside>
  );
}
