/**
 * What the code says the deployment must match, read from the code itself: the topics (names,
 * partitions, retention), the consumer groups the stages join (recorded from the stages' own
 * subscribe calls), the environment variables the code reads, the user the image runs as.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GEO_GROUP } from '@capstream/geo';
import { createIngestStage } from '@capstream/ingest';
import { createParserStage } from '@capstream/parser';
import { pipelineTopicSpecs, silentLogger, TOPICS, type Transport } from '@capstream/pipeline';
import { Registry } from 'prom-client';
import { REPO } from './kustomize.ts';

export { pipelineTopicSpecs, TOPICS };

/** A transport that only records which topic each stage subscribes to, and as which group. */
class RecordingTransport implements Transport {
  readonly subscriptions: { topic: string; group: string }[] = [];
  async send(): Promise<void> {}
  async subscribe(topic: string, group: string) {
    this.subscriptions.push({ topic, group });
    return { close: async () => {} };
  }
  async close(): Promise<void> {}
}

export interface Consumption {
  topic: string;
  group: string;
}

/** The topic and group of the stage behind each scalable component, as the stage subscribes. */
export async function consumption(): Promise<Record<'ingest' | 'parser' | 'geo', Consumption>> {
  const parserT = new RecordingTransport();
  const parser = createParserStage({}, { transport: parserT, log: silentLogger, registry: new Registry() });
  await parser.start();
  await parser.stop();
  const ingestT = new RecordingTransport();
  const ingest = createIngestStage(
    {},
    {
      transport: ingestT,
      log: silentLogger,
      registry: new Registry(),
      openSource: () => Promise.reject(new Error('not in this test')),
    },
  );
  await ingest.start();
  await ingest.stop();
  const one = (t: RecordingTransport, what: string) => {
    if (t.subscriptions.length !== 1) throw new Error(`${what} subscribed ${t.subscriptions.length} times`);
    return t.subscriptions[0];
  };
  return {
    parser: one(parserT, 'parser'),
    ingest: one(ingestT, 'ingest'),
    // The geo stage subscribes to its flows topic as GEO_GROUP (starting it would open the databases).
    geo: { topic: TOPICS.flows, group: GEO_GROUP },
  };
}

/** Every CAPSTREAM_*, CLICKHOUSE_* and KAFKA_* name that appears in the sources of the services. */
export function envNamesInCode(): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(
          /\b(?:CAPSTREAM|CLICKHOUSE|KAFKA)_[A-Z0-9_]*[A-Z0-9]\b/g,
        )) {
          names.add(m[0]);
        }
      }
    }
  };
  for (const top of ['packages', 'services']) {
    for (const pkg of readdirSync(join(REPO, top))) {
      const src = join(REPO, top, pkg, 'src');
      if (statSync(join(REPO, top, pkg)).isDirectory() && safeIsDir(src)) visit(src);
    }
  }
  return names;
}

function safeIsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The root package's version: the image tag of a release. */
export function repoVersion(): string {
  return (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
}
