import type { EnrichedFlow, FlowMessage, GeoInfo } from '@capstream/pipeline';

/** What enrichment needs of a database (GeoDatabase, or a fake in tests). */
export interface GeoLookup {
  lookup(ip: string): GeoInfo;
}

/** The stored row for `flow`: the flow with scope, place and AS of both ends. */
export function enrichFlow(flow: FlowMessage, db: GeoLookup): EnrichedFlow {
  const src = db.lookup(flow.src_ip);
  const dst = db.lookup(flow.dst_ip);
  return {
    ...flow,
    src_scope: src.scope,
    dst_scope: dst.scope,
    src_country: src.country,
    dst_country: dst.country,
    src_city: src.city,
    dst_city: dst.city,
    src_lat: src.lat,
    src_lon: src.lon,
    dst_lat: dst.lat,
    dst_lon: dst.lon,
    src_asn: src.asn,
    dst_asn: dst.asn,
    src_as_org: src.asOrg,
    dst_as_org: dst.asOrg,
  };
}
