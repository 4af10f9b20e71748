import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { samplePcap } from '@capstream/core/testing';
import { type CaptureJob, MemoryTransport } from '@capstream/pipeline';
import { CaptureArchive, createIngestStage } from '../src/index.ts';
import { openFile } from '../src/sources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'capstream-archive-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const job = (captureId: string, path: string): CaptureJob => ({
  captureId,
  datasetId: 'default',
  name: captureId,
  source: { kind: 'file', path },
  submittedAt: new Date().toISOString(),
});

async function ingestFile(archive: CaptureArchive, captureId: string, path: string) {
  const stage = createIngestStage(
    {},
    { transport: new MemoryTransport(), archive, openSource: () => openFile(path) },
  );
  const result = await stage.ingest(job(captureId, path));
  assert.equal(result.error, null);
}

describe('the capture archive', () => {
  const archive = new CaptureArchive(join(dir, 'captures'));
  const pcap = samplePcap();

  it('keeps a local capture file as a hard link, and says when the file changed in place', async () => {
    const file = join(dir, 'plain.pcap');
    writeFileSync(file, pcap);
    await ingestFile(archive, 'plain', file);
    assert.equal(statSync(archive.path('plain')).ino, statSync(file).ino, 'a link, not a copy');
    assert.equal(archive.state('plain'), 'kept');
    assert.deepEqual(readFileSync(archive.path('plain')), Buffer.from(pcap));
    // Replaced by a new file (what editors and `mv` do): the archive keeps the bytes it read.
    rmSync(file);
    writeFileSync(file, Buffer.from('something else'));
    assert.equal(archive.state('plain'), 'kept');
    assert.deepEqual(readFileSync(archive.path('plain')), Buffer.from(pcap));
    // Rewritten in place (the same inode): reported, not read as wrong packets.
    appendFileSync(archive.path('plain'), Buffer.alloc(8));
    assert.equal(archive.state('plain'), 'changed');
    archive.delete('plain');
    assert.equal(archive.state('plain'), 'missing');
  });

  it('copies what it cannot link: a gzip capture is kept decompressed', async () => {
    const file = join(dir, 'zipped.pcap.gz');
    writeFileSync(file, gzipSync(pcap));
    await ingestFile(archive, 'zipped', file);
    assert.notEqual(statSync(archive.path('zipped')).ino, statSync(file).ino);
    assert.deepEqual(readFileSync(archive.path('zipped')), Buffer.from(pcap));
    assert.equal(archive.state('zipped'), 'kept');
  });

  it('link() is false when the file system refuses, and leaves nothing behind', () => {
    assert.equal(archive.link('nolink', join(dir, 'no-such-file.pcap')), false);
    assert.equal(archive.state('nolink'), 'missing');
  });

  it("a copy written where a link was never writes into the user's file", async () => {
    const file = join(dir, 'again.pcap');
    writeFileSync(file, pcap);
    await ingestFile(archive, 'again', file);
    const w = archive.writer('again');
    await w.write(Buffer.from('other bytes'));
    await w.end();
    assert.deepEqual(readFileSync(file), Buffer.from(pcap), "the user's file is untouched");
    assert.notEqual(statSync(archive.path('again')).ino, statSync(file).ino);
    assert.equal(archive.state('again'), 'kept');
  });
});
