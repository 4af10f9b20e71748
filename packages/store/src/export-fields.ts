import { FLOW_FIELDS } from '@capstream/core';

/**
 * The fields of an exported stored flow, in order: the `capstream flows` fields, then the capture,
 * place and network of both ends. One list for the CLI's export and the API's.
 */
export const EXPORT_FIELDS: readonly string[] = [
  'capture_id',
  ...FLOW_FIELDS,
  'src_country',
  'dst_country',
  'src_city',
  'dst_city',
  'src_lat',
  'src_lon',
  'dst_lat',
  'dst_lon',
  'src_asn',
  'dst_asn',
  'src_as_org',
  'dst_as_org',
  'src_scope',
  'dst_scope',
];
