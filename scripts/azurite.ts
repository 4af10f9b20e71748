// Starts Azurite (npm `azurite`) for trying Azure Blob sources by hand, uploads the given files as
// blobs, prints SAS URLs for them and the fetch allow-list entry, and runs until Ctrl-C.
//   node --import tsx scripts/azurite.ts [FILE...]
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { startAzurite } from '../services/ingest/src/sources/testing-azurite.ts';

const az = await startAzurite();
console.log(`Azurite blob endpoint: ${az.blobEndpoint}`);
console.log(`allow it for fetches:  CAPSTREAM_FETCH_ALLOW=${az.allowEntry}`);
for (const file of process.argv.slice(2)) {
  const name = basename(file);
  await az.createBlob('captures', name, await readFile(file));
  console.log(`${name}: ${az.sasUrl('captures', name, { expiresOn: new Date(Date.now() + 24 * 3600_000) })}`);
}
console.log('Ctrl-C stops it.');
const stop = async () => {
  await az.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
