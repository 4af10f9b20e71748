import type { DnsName } from '@capstream/pipeline';
import { ipFromHex, ipVersionOf, num } from './convert.ts';
import { type Db, dedupSettings } from './db.ts';
import { StoreError } from './errors.ts';
import { DNS_NAMES } from './schema.ts';

export interface DnsRepo {
  /** Inserts names learned from DNS answers; a batch replayed with the same token is dropped. */
  insert(names: readonly DnsName[], dedupToken: string): Promise<void>;
  /**
   * Every (ip, name) pair of a capture once, ordered by address then name. An A answer and an
   * AAAA answer for the same v4-mapped address (1.2.3.4 and ::ffff:1.2.3.4) with the same name are
   * one address in the IPv6 column and come back once.
   */
  byCapture(captureId: string): Promise<DnsName[]>;
}

const COLUMNS = DNS_NAMES.columns.map((c) => c.name);

export function createDnsRepo(db: Db): DnsRepo {
  const table = db.table('dns_names');
  return {
    async insert(names, dedupToken) {
      if (typeof dedupToken !== 'string' || dedupToken === '') {
        throw new StoreError('INVALID_ARGUMENT', 'dns.insert needs a non-empty dedup token');
      }
      if (names.length === 0) return;
      const values = names.map((n) => {
        const row: Record<string, unknown> = {
          capture_id: n.capture_id,
          ip: n.ip,
          name: n.name,
          ip_version: ipVersionOf(n.ip),
        };
        return COLUMNS.map((c) => row[c]);
      });
      await db.insert(
        `inserting ${names.length} DNS names`,
        'dns_names',
        COLUMNS,
        values,
        'JSONCompactEachRow',
        dedupSettings(dedupToken),
      );
    },

    async byCapture(captureId) {
      const rows = await db.rows<{ capture_id: string; ip_hex: string; name: string; ip_version: unknown }>(
        `reading DNS names of capture ${captureId}`,
        `SELECT capture_id, hex(ip) AS ip_hex, name, any(ip_version) AS ip_version FROM ${table} FINAL ` +
          'WHERE capture_id = {capture_id:String} GROUP BY capture_id, ip, name ORDER BY ip, name',
        { capture_id: captureId },
      );
      return rows.map((r) => ({
        capture_id: r.capture_id,
        ip: ipFromHex(r.ip_hex, num(r.ip_version)),
        name: r.name,
      }));
    },
  };
}
