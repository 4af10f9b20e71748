import type { FlowTableOptions } from '@capstream/core';

export interface ParserConfig {
  flow: Partial<FlowTableOptions>;
  /** Wall-clock period at which open captures emit their active flows (live streams show up). */
  liveFlushMs: number;
}

export const DEFAULT_PARSER_CONFIG: ParserConfig = { flow: {}, liveFlushMs: 2000 };

export class ParserConfigError extends Error {
  readonly code = 'PARSER_CONFIG';
}

/** Settings over defaults, checked. */
export function parserConfig(partial: Partial<ParserConfig> = {}): ParserConfig {
  const c = { ...DEFAULT_PARSER_CONFIG, ...partial };
  if (!(c.liveFlushMs >= 100))
    throw new ParserConfigError(`liveFlushMs must be at least 100 (got ${c.liveFlushMs})`);
  return c;
}
