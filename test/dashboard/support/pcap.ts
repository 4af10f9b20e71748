// Minimal classic-pcap reading for checking downloads (the product's own readers live in core).
export function pcapRecords(bytes: Uint8Array): { linkType: number; records: number } {
  if (bytes.length < 24) throw new Error(`not a pcap: ${bytes.length} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const be = v.getUint32(0, false) === 0xa1b2c3d4 || v.getUint32(0, false) === 0xa1b23c4d;
  if (!le && !be) throw new Error(`not a pcap: magic ${magic.toString(16)}`);
  const linkType = v.getUint32(20, le);
  let off = 24;
  let records = 0;
  while (off + 16 <= bytes.length) {
    const incl = v.getUint32(off + 8, le);
    off += 16 + incl;
    if (off > bytes.length) throw new Error('pcap: truncated record');
    records++;
  }
  return { linkType, records };
}
