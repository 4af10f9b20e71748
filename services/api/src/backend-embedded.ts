import type { Embedded } from '@capstream/embedded';
import type { Logger } from '@capstream/pipeline';
import { type ListeningBackend, pipelineBackend } from './backend-common.ts';

/** The API over the in-process pipeline of `capstream up`: the writer's tracker sees every write. */
export function embeddedBackend(app: Embedded, opts: { host: string; log: Logger }): ListeningBackend {
  return pipelineBackend(
    {
      store: app.store,
      registry: app.registry,
      tracker: app.tracker,
      archive: app.archive,
      uploads: app.uploads,
      submit: (input) => app.submit(input),
      submitStream: (opened, input) => app.submitStream(opened, input),
      onFlowsLanded: (l) => app.tracker.onLanded(l),
    },
    opts,
  );
}
