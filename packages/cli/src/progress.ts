import { createRequire } from 'node:module';

// Loaded only for a terminal (~20 ms of every start otherwise, in pipes and benchmarks alike).
const require = createRequire(import.meta.url);

export interface Progress {
  update(bytes: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/** A progress bar on stderr, only when stderr is a terminal (never in pipes or logs). */
export function progressBar(label: string, total: number | null): Progress {
  if (!process.stderr.isTTY) return NONE;
  const cliProgress = require('cli-progress') as typeof import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: total
        ? `${label} [{bar}] {percentage}% | {done} of {all} | {eta_formatted}`
        : `${label} {done} read`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const all = total ? mib(total) : '';
  bar.start(total ?? 1, 0, { done: mib(0), all });
  return {
    update(bytes) {
      bar.update(total ? Math.min(bytes, total) : 0, { done: mib(bytes), all });
    },
    stop() {
      bar.stop();
    },
  };
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}
