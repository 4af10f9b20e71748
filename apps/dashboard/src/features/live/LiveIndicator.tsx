'use client';
import { useLive } from './LiveContext.tsx';

export function LiveIndicator() {
  const { lastTick } = useLive();
  return (
    <span className="live" title="Updates arrive over a live subscription" aria-live="off">
      <span className="live-dot" aria-hidden="true" />
      {lastTick ? `Live · ${lastTick.toLocaleTimeString()}` : 'Live'}
    </span>
  );
}
