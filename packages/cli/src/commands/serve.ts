import { resolve } from 'node:path';
import {
  loadEmbeddedConfig,
  type Role,
  type RoleContext,
  startIngestRole,
  startParserRole,
  startWriterRole,
} from '@capstream/embedded';
import { createLogger, ensurePipelineTopics, KafkaTransport } from '@capstream/pipeline';
import { Registry } from 'prom-client';
import { UsageError } from '../errors.ts';
import { startOpsServer, untilStopped } from '../ops-server.ts';

export const ROLES = ['ingest', 'parser', 'writer'] as const;
export type RoleName = (typeof ROLES)[number];

export interface ServeOptions {
  data: string;
  port: string;
  host: string;
  config?: string;
  /** Validate and print the plan, contact nothing, exit (see serve-check.ts). */
  check?: boolean;
}

/** Reads and checks the service's environment: one place, clear errors. */
export function serviceEnv(env: NodeJS.ProcessEnv): { brokers: string[] } {
  const raw = env.KAFKA_BROKERS?.trim();
  if (!raw) {
    throw new UsageError(
      'KAFKA_BROKERS is not set: the services talk through Kafka (e.g. KAFKA_BROKERS=127.0.0.1:9092)',
    );
  }
  const brokers = raw.split(',').map((b) => b.trim());
  for (const b of brokers) {
    if (!/^[\w.-]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i.test(b))
      throw new UsageError(`KAFKA_BROKERS: '${b}' is not host:port`);
  }
  return { brokers };
}

/**
 * One role of the pipeline as its own process over Kafka: the same stage code as the embedded
 * mode. The writer owns the store (with chDB, the only process that opens the data directory).
 */
export async function serveCommand(role: string, opts: ServeOptions): Promise<void> {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new UsageError(`unknown role '${role}': one of ${ROLES.join(', ')}`);
  }
  if (opts.check) return (await import('./serve-check.ts')).checkServe(role, opts);
  const { brokers } = serviceEnv(process.env);
  const log = createLogger(`capstream-${role}`);
  const registry = new Registry();
  await ensurePipelineTopics(brokers);
  const transport = new KafkaTransport({
    brokers,
    clientId: `capstream-${role}`,
    onHandlerError: (e, topic, group) =>
      log.error({ err: (e as Error).message, topic, group }, 'batch failed; retrying'),
  });
  const ctx: RoleContext = {
    transport,
    dataDir: resolve(opts.data),
    env: process.env,
    log,
    registry,
    config: loadEmbeddedConfig(opts.config),
  };
  let running: Role;
  let captures: (() => Promise<unknown>) | null = null;
  if (role === 'ingest') running = await startIngestRole(ctx);
  else if (role === 'parser') running = await startParserRole(ctx);
  else {
    const writer = await startWriterRole(ctx);
    captures = () => writer.store.captures.list();
    running = writer;
  }

  const { server, port } = await startOpsServer(opts.host, Number(opts.port), {
    registry,
    ...(captures ? { captures } : {}),
  });
  log.info({ role, brokers, port }, 'service started');
  // One line on stdout a supervisor (or a test) can wait for.
  process.stdout.write(`capstream ${role} ready on http://${opts.host}:${port}\n`);
  await untilStopped();
  log.info({ role }, 'stopping: finishing or handing back in-flight work');
  server.close();
  await running.stop();
  await transport.close();
}
