import './reflect-shim.ts';
import { mkdirSync } from 'node:fs';
import type { Logger } from '@capstream/pipeline';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { GraphQLError, printSchema } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import { Authenticator, bearer, ensureAdminToken } from './auth.ts';
import type { ApiBackend } from './backend.ts';
import type { ApiConfig } from './config.ts';
import { publicError } from './errors.ts';
import { AdminResolver } from './graphql/admin.resolver.ts';
import { CapturesResolver } from './graphql/captures.resolver.ts';
import { TOPIC } from './graphql/context.ts';
import { DatasetsResolver } from './graphql/datasets.resolver.ts';
import { FlowsResolver } from './graphql/flows.resolver.ts';
import { costLimitRule } from './graphql/limits.ts';
import { toCapture } from './graphql/mappers.ts';
import { StatsResolver } from './graphql/stats.resolver.ts';
import { registerRoutes } from './http/routes.ts';
import { CapturesService } from './services/captures.service.ts';
import { StatsService } from './services/stats.service.ts';
import { AUTH, BACKEND, CONFIG } from './tokens.ts';

export interface StartApiOptions {
  backend: ApiBackend;
  config: ApiConfig;
  log: Logger;
  /** Where partial uploads wait until complete. */
  uploadDir: string;
}

export interface RunningApi {
  url: string;
  port: number;
  /** An admin token generated at this start (no CAPSTREAM_ADMIN_TOKEN and no token yet): print it once. */
  generatedAdminToken: string | null;
  /** The schema as SDL. */
  schema(): string;
  close(): Promise<void>;
}

const HOUR = 3_600_000;

function graphqlModule(config: ApiConfig, auth: Authenticator, log: Logger): DynamicModule {
  const contextOf = (secret: string | undefined) => {
    let checked: ReturnType<Authenticator['authenticate']> | undefined;
    // Checked on first use, once per request: a query that fails validation costs no lookup.
    return { principal: () => (checked ??= auth.authenticate(secret)) };
  };
  return GraphQLModule.forRoot<MercuriusDriverConfig>({
    driver: MercuriusDriver,
    autoSchemaFile: true,
    graphiql: false,
    path: '/graphql',
    queryDepth: config.maxDepth,
    validationRules: [costLimitRule(config.maxCost)],
    context: (req: { headers: Record<string, unknown> }) => contextOf(bearer(req.headers.authorization)),
    subscription: {
      keepAlive: 15_000,
      onConnect: ({ payload }: { payload?: Record<string, unknown> }) => {
        const header = payload?.authorization ?? payload?.Authorization;
        return contextOf(bearer(header));
      },
    },
    errorFormatter: (
      execution: { data?: unknown; errors: readonly GraphQLError[] },
      _ctx: MercuriusContext,
    ) => {
      // Mercurius wraps validation failures (syntax, unknown fields, depth, cost) in one error.
      const flat = execution.errors.flatMap((e) => {
        const inner = (e.originalError as { errors?: unknown } | undefined)?.errors;
        return Array.isArray(inner) ? (inner as GraphQLError[]) : [e];
      });
      const errors = flat.map((e) => {
        const original = e.originalError;
        if (
          !original ||
          original instanceof GraphQLError ||
          (original as { code?: string }).code?.startsWith('MER_')
        ) {
          const code = (e.extensions?.code as string | undefined) ?? 'GRAPHQL_VALIDATION_FAILED';
          return { message: e.message, locations: e.locations, path: e.path, extensions: { code } };
        }
        const pub = publicError(original);
        if (pub.code === 'INTERNAL') log.error({ err: original.message, path: e.path }, 'resolver failed');
        return { message: pub.message, locations: e.locations, path: e.path, extensions: { code: pub.code } };
      });
      const executed = execution.data !== undefined && execution.data !== null;
      const statusCode = executed || errors.some((e) => e.path) ? 200 : 400;
      return { statusCode, response: { data: execution.data ?? null, errors } };
    },
  } as MercuriusDriverConfig);
}

/** Starts the GraphQL API (NestJS + Mercurius on Fastify) with its HTTP routes. */
export async function startApi(opts: StartApiOptions): Promise<RunningApi> {
  const { backend, config, log } = opts;
  mkdirSync(opts.uploadDir, { recursive: true });
  const auth = new Authenticator(backend.store.tokens);
  const generatedAdminToken = await ensureAdminToken(backend.store.tokens, config.adminToken);
  if (!(await backend.store.datasets.get('default'))) {
    await backend.store.datasets.create({ datasetId: 'default', name: 'Default' });
  }

  @Module({
    imports: [graphqlModule(config, auth, log)],
    providers: [
      { provide: BACKEND, useValue: backend },
      { provide: CONFIG, useValue: config },
      { provide: AUTH, useValue: auth },
      CapturesService,
      StatsService,
      CapturesResolver,
      DatasetsResolver,
      FlowsResolver,
      StatsResolver,
      AdminResolver,
    ],
  })
  class ApiModule {}

  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimit });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, adapter, { logger: false });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await registerRoutes(fastify, {
    backend,
    auth,
    captures: app.get(CapturesService),
    log,
    uploadDir: opts.uploadDir,
    dashboardDir: config.dashboardDir,
  });
  await app.listen(config.port, config.host);

  const pubsub = (fastify as unknown as { graphql: { pubsub: { publish(e: object): void } } }).graphql.pubsub;
  const unsubscribe = [
    backend.onCapture((state) => {
      const capture = toCapture(state);
      pubsub.publish({ topic: TOPIC.capture(state.capture_id), payload: { capture } });
      pubsub.publish({ topic: TOPIC.captures, payload: { capture } });
    }),
    backend.onFlowsLanded((landed) => pubsub.publish({ topic: TOPIC.landed, payload: { landed } })),
  ];
  const retention = setInterval(() => {
    backend.store.datasets
      .applyRetention()
      .catch((e) => log.error({ err: (e as Error).message }, 'retention failed; will retry in an hour'));
  }, HOUR);
  retention.unref();

  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const schemaHost = app.get(GraphQLSchemaHost);
  log.info({ port }, 'API listening');
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    generatedAdminToken,
    schema: () => printSchema(schemaHost.schema),
    async close() {
      clearInterval(retention);
      for (const u of unsubscribe) u();
      await app.close();
    },
  };
}
