'use client';
import { createContext, useContext } from 'react';

export interface LiveState {
  /** When the last flowsLanded/capturesChanged tick arrived. */
  lastTick: Date | null;
  /** Operations that must not be refetched by a tick right now (a scrolled flow table). */
  paused: Set<string>;
}

export const LiveContext = createContext<LiveState>({ lastTick: null, paused: new Set() });

export const useLive = () => useContext(LiveContext);
