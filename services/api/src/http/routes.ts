import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@capstream/pipeline';
import type { FlowFilter } from '@capstream/store';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type Authenticator,
  bearer,
  canSeeDataset,
  type Principal,
  requireRole,
  scopeFilter,
} from '../auth.ts';
import type { ApiBackend } from '../backend.ts';
import { publicError } from '../errors.ts';
import type { CapturesService } from '../services/captures.service.ts';
import { registerDashboard } from './dashboard.ts';
import { type ExportFormat, exportStream } from './export.ts';
import { flowPcap } from './flow-pcap.ts';

export interface RouteDeps {
  backend: ApiBackend;
  auth: Authenticator;
  captures: CapturesService;
  log: Logger;
  /** Where partial uploads wait (tus). */
  uploadDir: string;
  dashboardDir: string | null;
}

const STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  TIMEOUT: 504,
  INTERNAL: 500,
};

function fail(reply: FastifyReply, log: Logger, err: unknown): FastifyReply {
  const e = publicError(err);
  if (e.code === 'INTERNAL') log.error({ err: (err as Error)?.message }, 'request failed');
  return reply.code(STATUS[e.code] ?? 400).send({ error: { code: e.code, message: e.message } });
}

/** The token of a plain HTTP request: the Authorization header, or `access_token` (for links). */
function secretOf(req: FastifyRequest): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  return (
    bearer(req.headers.authorization) ?? (typeof q?.access_token === 'string' ? q.access_token : undefined)
  );
}

/** Health, metrics, exports, one flow's pcap, resumable uploads (tus) and the dashboard. */
export async function registerRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { backend, auth, log } = deps;
  const who = (req: FastifyRequest): Promise<Principal> => auth.authenticate(secretOf(req));

  app.get('/healthz', async () => 'ok\n');
  app.get('/readyz', async (_req, reply) => {
    const ok = await backend.store.ping();
    return reply.code(ok ? 200 : 503).send(ok ? 'ready\n' : 'store not answering\n');
  });
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', backend.registry.contentType).send(await backend.registry.metrics()),
  );

  app.get('/api/export', async (req, reply) => {
    try {
      const p = await who(req);
      const q = req.query as Record<string, string | undefined>;
      const format = (q.format ?? 'csv') as ExportFormat;
      if (format !== 'csv' && format !== 'jsonl') {
        return reply.code(400).send({ error: { code: 'BAD_USER_INPUT', message: 'format: csv or jsonl' } });
      }
      let filter: FlowFilter = {};
      if (q.filter) {
        try {
          filter = JSON.parse(q.filter) as FlowFilter;
        } catch {
          return reply
            .code(400)
            .send({ error: { code: 'BAD_USER_INPUT', message: 'filter: not JSON (a FlowFilter object)' } });
        }
      }
      const scoped = scopeFilter(p, filter);
      // Validate before the first byte goes out: a bad filter is a 400, not a broken download.
      await backend.store.analytics.flowPage(scoped, { limit: 1, offset: 0 });
      const ext = format === 'csv' ? 'csv' : 'jsonl';
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="flows.${ext}"`)
        .send(exportStream(backend.store.analytics, scoped, format));
    } catch (err) {
      return fail(reply, log, err);
    }
  });

  app.get('/api/flows/:captureId/:flowId/pcap', async (req, reply) => {
    try {
      const p = await who(req);
      const { captureId, flowId } = req.params as { captureId: string; flowId: string };
      const capture = await backend.store.captures.get(captureId);
      const flow =
        capture && canSeeDataset(p, capture.dataset_id)
          ? await backend.store.analytics.flow(captureId, flowId)
          : undefined;
      if (!flow)
        return reply
          .code(404)
          .send({ error: { code: 'NOT_FOUND', message: `no flow ${flowId} in capture ${captureId}` } });
      const bytes = backend.captureBytes(captureId);
      if (!bytes) {
        return reply.code(404).send({
          error: { code: 'NOT_FOUND', message: 'the capture bytes are no longer kept (archive cleaned)' },
        });
      }
      const pcap = await flowPcap(bytes, flow);
      return reply
        .header('content-type', 'application/vnd.tcpdump.pcap')
        .header('content-disposition', `attachment; filename="flow-${flowId}.pcap"`)
        .header('capstream-packets', String(pcap.packets))
        .send(Buffer.from(pcap.bytes));
    } catch (err) {
      return fail(reply, log, err);
    }
  });

  const tus = new TusServer({
    path: '/api/uploads',
    datastore: new FileStore({ directory: deps.uploadDir }),
    relativeLocation: true,
    async onIncomingRequest(req) {
      try {
        requireRole(await auth.authenticate(bearer(req.headers.get('authorization'))), 'ANALYST');
      } catch (err) {
        const e = publicError(err);
        throw { status_code: STATUS[e.code] ?? 401, body: `${e.message}\n` };
      }
    },
    async onUploadCreate(req, upload) {
      const p = await auth.authenticate(bearer(req.headers.get('authorization')));
      try {
        await deps.captures.datasetFor(p, upload.metadata?.datasetId ?? null);
      } catch (err) {
        const e = publicError(err);
        throw { status_code: STATUS[e.code] ?? 400, body: `${e.message}\n` };
      }
      return {};
    },
    async onUploadFinish(req, upload) {
      const p = await auth.authenticate(bearer(req.headers.get('authorization')));
      const datasetId = await deps.captures.datasetFor(p, upload.metadata?.datasetId ?? null);
      const path = join(deps.uploadDir, upload.id);
      const state = await backend.submitUpload({
        bytes: createReadStream(path),
        name: upload.metadata?.filename || upload.metadata?.name || 'upload',
        datasetId,
      });
      await rm(path, { force: true });
      await rm(`${path}.json`, { force: true });
      return { headers: { 'Capstream-Capture-Id': state.capture_id } };
    },
  });
  // The tus handler reads the raw request body itself.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));
  const tusHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await tus.handle(req.raw, reply.raw);
  };
  app.all('/api/uploads', tusHandler);
  app.all('/api/uploads/*', tusHandler);

  if (!(await registerDashboard(app, deps.dashboardDir))) {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain')
        .send(
          'Capstream API. GraphQL at /graphql. The dashboard is not built: run `node scripts/build-dashboard.mjs`.\n',
        ),
    );
  }
}
