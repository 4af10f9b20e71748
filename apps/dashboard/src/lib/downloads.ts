// Links to the API's download endpoints (same origin). A plain link cannot send a header, so the
// token travels as the `access_token` query parameter, which the API accepts for downloads.
import type { FlowFilter } from '../gql/graphql';

export function exportUrl(format: 'csv' | 'jsonl', filter: FlowFilter | undefined, token: string): string {
  const qs = new URLSearchParams({ format, filter: JSON.stringify(filter ?? {}), access_token: token });
  return `/api/export?${qs}`;
}

export function flowPcapUrl(captureId: string, flowId: string, token: string): string {
  return `/api/flows/${encodeURIComponent(captureId)}/${encodeURIComponent(flowId)}/pcap?${new URLSearchParams({ access_token: token })}`;
}
