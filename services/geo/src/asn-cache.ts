import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AsnTable } from './asn-table.ts';

/**
 * The packaged ASN table, parsed once per installation: loading the CSV files costs 0.5-1 s of
 * CPU (asn-table.ts) at every start, and the typed arrays they make are ~9 MB. The first start
 * writes them to `node_modules/.cache/capstream/` (the usual place for a package's derived files)
 * and every later start, whatever its data directory, reads them back in ~20 ms. The file's name
 * holds the size and modification time of both CSV files and the layout version, so an upgraded
 * package is parsed again; a cache that cannot be written (a read-only install) or read is simply
 * not used.
 */
export async function loadAsnTable(
  v4Csv: string,
  v6Csv: string,
  cacheDir: string | null = defaultCacheDir(v4Csv),
): Promise<AsnTable> {
  const file = cacheDir === null ? null : cacheFile(cacheDir, v4Csv, v6Csv);
  if (file !== null) {
    const cached = await readFile(file).then(AsnTable.fromBytes, () => null);
    if (cached !== null) return cached;
  }
  const table = await AsnTable.load(v4Csv, v6Csv);
  if (file !== null) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, table.toBytes());
      renameSync(tmp, file);
      // Tables of CSV files this installation no longer has (an upgraded package).
      for (const name of readdirSync(dirname(file))) {
        if (/^asn-table-[0-9a-f]+\.bin$/.test(name) && name !== basename(file))
          rmSync(join(dirname(file), name), { force: true });
      }
    } catch {
      // Not writable here: every start parses the CSV files, as without a cache.
    }
  }
  return table;
}

/** `node_modules/.cache/capstream` beside the package holding the CSV files; null on a big-endian machine. */
function defaultCacheDir(csv: string): string | null {
  if (endianness() !== 'LE') return null;
  const marker = join('node_modules', '@ip-location-db');
  const at = csv.lastIndexOf(marker);
  return at < 0 ? null : join(csv.slice(0, at), 'node_modules', '.cache', 'capstream');
}

function cacheFile(dir: string, v4Csv: string, v6Csv: string): string | null {
  try {
    const key = createHash('sha256');
    for (const f of [v4Csv, v6Csv]) {
      const s = statSync(f);
      key.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
    }
    key.update(`layout ${AsnTable.BYTES_VERSION}`);
    return join(dir, `asn-table-${key.digest('hex').slice(0, 16)}.bin`);
  } catch {
    return null;
  }
}
