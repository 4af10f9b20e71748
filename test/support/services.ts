// `capstream serve ROLES` as child processes, the way a supervisor runs them: started, awaited
// on their ready line, stopped by signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN, ROOT } from './cli.ts';

export interface Service {
  name: string;
  child: ChildProcess;
  /** From the ready line: the HTTP front (the API, the dashboard, or the ops endpoints). */
  url: string;
  /** Its stderr (the JSON logs), for failure messages. */
  output: string;
}

export interface ServeOptions {
  dataDir: string;
  brokers: string[];
  /** For messages; default the roles. */
  name?: string;
  /** Added to the environment (after KAFKA_BROKERS, a quiet log level and no CLICKHOUSE_URL). */
  env?: Record<string, string>;
}

/** Starts `capstream serve ROLES --port 0` and waits for its ready line. */
export async function serve(roles: string, opts: ServeOptions): Promise<Service> {
  const name = opts.name ?? roles;
  const child = spawn(process.execPath, [BIN, 'serve', roles, '--data', opts.dataDir, '--port', '0'], {
    cwd: ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: opts.brokers.join(','),
      CAPSTREAM_LOG_LEVEL: 'warn',
      CLICKHOUSE_URL: '',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const svc: Service = { name, child, url: '', output: '' };
  child.stderr!.on('data', (d: Buffer) => {
    svc.output += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${svc.output}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      const m = /ready on (http:\/\/\S+)/.exec(d.toString());
      if (m) {
        svc.url = m[1];
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${svc.output}`)));
  });
  return svc;
}

export async function stop(svc: Service, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (svc.child.exitCode !== null || svc.child.signalCode !== null) return;
  const exited = new Promise((r) => svc.child.once('exit', r));
  svc.child.kill(signal);
  await exited;
}

/** The last lines each service logged, for an assertion message. */
export function logsOf(services: Service[]): string {
  return services.map((s) => `${s.name}: ${s.output.slice(-2000)}`).join('\n');
}
