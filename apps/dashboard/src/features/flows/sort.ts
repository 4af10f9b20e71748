import type { FlowOrder, FlowOrderField, OrderDirection } from '../../gql/graphql';

const FIELDS: readonly FlowOrderField[] = [
  'FIRST_SEEN',
  'LAST_SEEN',
  'DURATION',
  'SRC_IP',
  'SRC_PORT',
  'DST_IP',
  'DST_PORT',
  'IP_PROTO',
  'APP',
  'SERVER_NAME',
  'PACKETS',
  'BYTES',
  'PACKETS_SRC',
  'PACKETS_DST',
  'BYTES_SRC',
  'BYTES_DST',
  'SRC_COUNTRY',
  'DST_COUNTRY',
  'SRC_ASN',
  'DST_ASN',
  'TCP_STATE',
];

export const DEFAULT_ORDER: FlowOrder = { field: 'FIRST_SEEN', direction: 'ASC' };

/** `sort=BYTES:DESC` in the URL ↔ the API's FlowOrder. */
export function parseSort(v: string | null): FlowOrder {
  const [field, dir] = (v ?? '').split(':');
  if (!FIELDS.includes(field as FlowOrderField)) return DEFAULT_ORDER;
  return { field: field as FlowOrderField, direction: (dir === 'ASC' ? 'ASC' : 'DESC') as OrderDirection };
}

export function formatSort(o: FlowOrder): string {
  return `${o.field}:${o.direction}`;
}

/** Clicking a header: a new column sorts descending (biggest first), the same one flips. */
export function nextSort(cur: FlowOrder, field: FlowOrderField): FlowOrder {
  if (cur.field !== field) return { field, direction: field === 'FIRST_SEEN' ? 'ASC' : 'DESC' };
  return { field, direction: cur.direction === 'ASC' ? 'DESC' : 'ASC' };
}
