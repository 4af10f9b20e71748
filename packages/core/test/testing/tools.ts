// Helpers for checking generated captures with the real Wireshark/tcpdump tools.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temp dir for this test file; call `cleanup()` in an `after` hook. */
export function tempDir(): {
  dir: string;
  file: (name: string, bytes?: Uint8Array) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-'));
  return {
    dir,
    file: (name, bytes) => {
      const p = path.join(dir, name);
      if (bytes) writeFileSync(p, bytes);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
}

/** Preferences that make tshark verify every IPv4/TCP/UDP checksum. */
export const CHECK_CHECKSUMS = [
  '-o',
  'ip.check_checksum:TRUE',
  '-o',
  'tcp.check_checksum:TRUE',
  '-o',
  'udp.check_checksum:TRUE',
];

/** One row per frame, one cell per field (multiple occurrences joined by ','). */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): string[][] {
  const args = ['-n', '-r', file, ...extra, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of fields) args.push('-e', f);
  const out = run('tshark', args);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

/** Frame numbers tshark flags as malformed or with an expert item of warning severity or worse. */
export function tsharkProblems(file: string, extra: string[] = []): number[] {
  const rows = tsharkFields(
    file,
    ['frame.number'],
    [...CHECK_CHECKSUMS, ...extra, '-Y', '_ws.malformed || _ws.expert.severity >= warning'],
  );
  return rows.map((r) => Number(r[0]));
}

/** capinfos long report (-M machine-readable values) as one record per file, keyed by label. */
export function capinfos(files: string[], flags = ['-t', '-E', '-c', '-F', '-l']): Record<string, string>[] {
  const out = run('capinfos', ['-M', ...flags, ...files]);
  const res: Record<string, string>[] = [];
  let cur: Record<string, string> | null = null;
  for (const line of out.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].trim();
    if (key === 'File name') {
      cur = {};
      res.push(cur);
    }
    if (cur && !(key in cur)) cur[key] = m[2].trim();
  }
  return res;
}
