import { Counter, Gauge, type Registry } from 'prom-client';

export function parserMetrics(registry: Registry) {
  return {
    segments: new Counter({
      name: 'capstream_parser_segments_total',
      help: 'Segments parsed',
      registers: [registry],
    }),
    packets: new Counter({
      name: 'capstream_parser_packets_total',
      help: 'Packets parsed',
      registers: [registry],
    }),
    flows: new Counter({
      name: 'capstream_parser_flows_total',
      help: 'Flow records emitted',
      labelNames: ['final'],
      registers: [registry],
    }),
    replays: new Counter({
      name: 'capstream_parser_replays_total',
      help: 'Captures rebuilt from the archive',
      registers: [registry],
    }),
    open: new Gauge({
      name: 'capstream_parser_open_captures',
      help: 'Captures with flow state',
      registers: [registry],
    }),
  };
}

export type ParserMetrics = ReturnType<typeof parserMetrics>;
