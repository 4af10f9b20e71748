import { Counter, Gauge, type Registry } from 'prom-client';

export interface IngestMetrics {
  bytes: Counter;
  segments: Counter;
  captures: Counter;
  active: Gauge;
}

export function ingestMetrics(registry: Registry): IngestMetrics {
  return {
    bytes: new Counter({
      name: 'capstream_ingest_bytes_total',
      help: 'Raw capture bytes read',
      registers: [registry],
    }),
    segments: new Counter({
      name: 'capstream_ingest_segments_total',
      help: 'Segments sent to the parser',
      registers: [registry],
    }),
    captures: new Counter({
      name: 'capstream_ingest_captures_total',
      help: 'Captures read, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    active: new Gauge({
      name: 'capstream_ingest_active_captures',
      help: 'Captures being read now',
      registers: [registry],
    }),
  };
}
