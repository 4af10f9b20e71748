import type { EnrichedFlow, FlowMessage, GeoInfo } from '@capstream/pipeline';

/** What enrichment needs of a database (GeoDatabase, or a fake in tests). */
export interface GeoLookup {
  lookup(ip: string): GeoInfo;
}

/**
 * The stored row for `flow`: the flow with scope, place and AS of both ends.
 *
 * Every field is named rather than spread (`{ ...flow, src_scope, ... }`): V8 copied a flow of
 * 30 properties and then added 16 more at ~45 us a row (measured, 200k flows: 9 s), where one
 * literal of a fixed shape takes well under 1 us.
 */
export function enrichFlow(f: FlowMessage, db: GeoLookup): EnrichedFlow {
  const src = db.lookup(f.src_ip);
  const dst = db.lookup(f.dst_ip);
  return {
    capture_id: f.capture_id,
    flow_id: f.flow_id,
    version: f.version,
    final: f.final,
    first_ns: f.first_ns,
    last_ns: f.last_ns,
    src_ip: f.src_ip,
    src_port: f.src_port,
    dst_ip: f.dst_ip,
    dst_port: f.dst_port,
    ip_version: f.ip_version,
    ip_proto: f.ip_proto,
    packets_src: f.packets_src,
    packets_dst: f.packets_dst,
    bytes_src: f.bytes_src,
    bytes_dst: f.bytes_dst,
    payload_bytes_src: f.payload_bytes_src,
    payload_bytes_dst: f.payload_bytes_dst,
    first_seen: f.first_seen,
    last_seen: f.last_seen,
    duration: f.duration,
    app: f.app,
    server_name: f.server_name,
    tls_version: f.tls_version,
    alpn: f.alpn,
    quic_version: f.quic_version,
    tcp_state: f.tcp_state,
    tcp_flags_src: f.tcp_flags_src,
    tcp_flags_dst: f.tcp_flags_dst,
    tunnel: f.tunnel,
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
