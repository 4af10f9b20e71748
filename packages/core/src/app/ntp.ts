// NTP (RFC 5905) recognition. The 48-byte header has few fixed bits, so port 123 corroborates.

export const NTP_PORT = 123;
const HEADER = 48;
/** Extension fields and MACs (RFC 5905 §7.5) keep the length a multiple of 4; bound it. */
const MAX_LEN = 1024;

/**
 * RFC 5905 §7.3: "LI Leap Indicator (leap): 2-bit integer", "VN Version Number (version): 3-bit integer",
 * "Mode (mode): 3-bit integer" with 1 symmetric active, 2 symmetric passive, 3 client, 4 server, 5 broadcast;
 * "Stratum (stratum): 8-bit integer" 0..16 (17-255 reserved).
 */
export function isNtp(b: Uint8Array, clientPort: number, serverPort: number): boolean {
  if (clientPort !== NTP_PORT && serverPort !== NTP_PORT) return false;
  if (b.length < HEADER || b.length > MAX_LEN || (b.length & 3) !== 0) return false;
  const version = (b[0] >> 3) & 0x07;
  const mode = b[0] & 0x07;
  return version >= 1 && version <= 4 && mode >= 1 && mode <= 5 && b[1] <= 16;
}
