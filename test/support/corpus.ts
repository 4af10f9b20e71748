import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shared real-world corpus, beside the checkout, when it is there. */
export const CORPUS_DIR = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');

export interface CorpusFile {
  file: string;
  path: string;
  tags: string[];
  packets: number | null;
}

/** Files listed in INVENTORY.tsv, or [] when the corpus is absent. */
export function corpusFiles(): CorpusFile[] {
  const inventory = join(CORPUS_DIR, 'INVENTORY.tsv');
  if (!existsSync(inventory)) return [];
  const [head, ...rows] = readFileSync(inventory, 'utf8').trim().split('\n');
  const cols = head.split('\t');
  const at = (row: string[], name: string) => row[cols.indexOf(name)] ?? '';
  return rows
    .map((line) => line.split('\t'))
    .filter((row) => existsSync(join(CORPUS_DIR, at(row, 'file'))))
    .map((row) => ({
      file: at(row, 'file'),
      path: join(CORPUS_DIR, at(row, 'file')),
      tags: at(row, 'tags').split(','),
      packets: /^\d+$/.test(at(row, 'packets')) ? Number(at(row, 'packets')) : null,
    }));
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
