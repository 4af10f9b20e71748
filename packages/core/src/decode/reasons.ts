/** Why a packet produced no flow update. Counted per capture, reported by `capstream info`. */
export type SkipReason =
  | 'unsupported_linktype'
  | 'non_ip' // ARP, LLDP, STP and the like: fine, just not IP
  | 'truncated_link'
  | 'truncated_ip'
  | 'bad_ip_version'
  | 'bad_ip_header'
  | 'truncated_transport'
  | 'bad_transport_header'
  | 'fragment_orphan'; // a non-first fragment whose first fragment never came
