// A real Apache Kafka broker for tests: one node in KRaft mode (broker and controller in one JVM),
// listening on loopback only. The jars come from Maven Central through scripts/kafka/fetch.sh and
// are cached under .cache/kafka/libs. Set KAFKA_BROKERS=host:port,... to use an existing cluster.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// kafkajs as the transport gets it (patched, loaded on first use): loaded here first, it would
// be loaded without the patches for the whole process.
import { kafkajs } from '@capstream/pipeline';

export interface StartKafkaOptions {
  /** Folder for server.properties and the broker's log dirs; a fresh temp folder when omitted. */
  dataDir?: string;
  /** How long to wait for the broker to answer, per start. Default 60 s. */
  startTimeoutMs?: number;
}

export interface KafkaBroker {
  /** Bootstrap addresses, for kafkajs `brokers`. */
  brokers: string[];
  /** True when KAFKA_BROKERS pointed at an existing cluster: stop/restart/kill are then no-ops or errors. */
  external: boolean;
  /** Where server.properties and the log dirs live (undefined for an external cluster). */
  dataDir?: string;
  /** SIGTERM, then wait for the JVM to exit (SIGKILL after 30 s). */
  stop(): Promise<void>;
  /** Stop if running, then start again on the same ports and data dir, and wait until it answers. */
  restart(): Promise<void>;
  /** SIGKILL, without waiting. */
  kill(): void;
  /** The broker's last log lines (stdout and stderr). */
  logs(): string;
}

const scriptsDir = fileURLToPath(new URL('../../../scripts/kafka/', import.meta.url));
const LOG_LINES = 500;
const verbose = Boolean(process.env.KAFKA_TESTING_VERBOSE);

let libsPromise: Promise<string> | undefined;

/** Runs scripts/kafka/fetch.sh once per process; resolves to the folder of jars. */
export function fetchKafkaLibs(): Promise<string> {
  libsPromise ??= new Promise<string>((resolve, reject) => {
    execFile(
      'bash',
      [join(scriptsDir, 'fetch.sh')],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(
              `kafka-testing: scripts/kafka/fetch.sh failed (needs Java 17+ and Maven): ${err.message}\n${stderr}`,
            ),
          );
          return;
        }
        const lines = stdout.trim().split('\n');
        resolve(lines[lines.length - 1]);
      },
    );
  });
  libsPromise.catch(() => {
    libsPromise = undefined;
  });
  return libsPromise;
}

export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    return {
      brokers: external
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      external: true,
      stop: async () => {},
      restart: async () => {
        throw new Error('kafka-testing: cannot restart an external cluster (KAFKA_BROKERS is set)');
      },
      kill: () => {},
      logs: () => '',
    };
  }
  const broker = new LocalBroker(options);
  await broker.start();
  return broker.handle();
}

/** A random KRaft cluster id: 16 bytes, base64url without padding, as Kafka's Uuid prints it. */
export function randomClusterId(): string {
  for (;;) {
    const bytes = randomBytes(16);
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && bytes.some((b) => b !== 0)) return id;
  }
}

/**
 * Free ports below Linux's ephemeral range (32768-60999), so that while a broker is stopped (a
 * restart test) no other process's listen(0) or outgoing connection is handed its port: a test
 * file running beside it once started its own broker there, and the restarted one's clients
 * talked to that.
 */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!ports.includes(port) && (await canListen(port))) ports.push(port);
  }
  return ports;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const live = new Set<LocalBroker>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const b of live) b.cleanupSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const b of live) b.cleanupSync();
      process.kill(process.pid, sig);
    });
  }
}

function javaBin(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

class LocalBroker {
  private readonly ownsDir: boolean;
  private readonly dir: string;
  private readonly timeoutMs: number;
  private port = 0;
  private controllerPort = 0;
  private libs = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly lines: string[] = [];

  constructor(options: StartKafkaOptions) {
    this.ownsDir = !options.dataDir;
    this.dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'capstream-kafka-'));
    this.timeoutMs = options.startTimeoutMs ?? 60_000;
  }

  handle(): KafkaBroker {
    return {
      brokers: [`127.0.0.1:${this.port}`],
      external: false,
      dataDir: this.dir,
      stop: () => this.stop(),
      restart: async () => {
        await this.stop();
        try {
          await this.launch();
        } catch (err) {
          // Not serving again in time (see launch): once more, from a clean stop.
          this.record(
            Buffer.from(
              `kafka-testing: restart failed, trying again: ${(err as Error).message.split('\n')[0]}`,
            ),
          );
          await this.stop();
          await this.launch();
        }
      },
      kill: () => {
        this.child?.kill('SIGKILL');
      },
      logs: () => this.logs(),
    };
  }

  async start(): Promise<void> {
    installExitHooks();
    live.add(this);
    try {
      this.libs = await fetchKafkaLibs();
      [this.port, this.controllerPort] = await freePorts(2);
      mkdirSync(this.dir, { recursive: true });
      this.writeProperties();
      await this.format();
      await this.launch();
    } catch (err) {
      this.cleanupSync();
      live.delete(this);
      throw err;
    }
  }

  private get propsPath(): string {
    return join(this.dir, 'server.properties');
  }

  private javaArgs(main: string, ...args: string[]): string[] {
    return [
      '-Xmx512m',
      '-Xms128m',
      `-Dlog4j.configuration=file:${join(scriptsDir, 'log4j.properties')}`,
      '-cp',
      join(this.libs, '*'),
      main,
      ...args,
    ];
  }

  private writeProperties(): void {
    const props = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': `1@127.0.0.1:${this.controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${this.port}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': join(this.dir, 'logs'),
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '3',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'transaction.state.log.num.partitions': '3',
      'auto.create.topics.enable': 'false',
      'num.partitions': '3',
      'group.initial.rebalance.delay.ms': '0',
      // After kill(), the controller refuses the restarted broker's registration until the old
      // session times out (default 9 s): keep that short.
      'broker.heartbeat.interval.ms': '500',
      'broker.session.timeout.ms': '3000',
    };
    const text = Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    writeFileSync(this.propsPath, `${text}\n`);
  }

  private format(): Promise<void> {
    if (existsSync(join(this.dir, 'logs', 'meta.properties'))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      execFile(
        javaBin(),
        this.javaArgs(
          'kafka.tools.StorageTool',
          'format',
          '-t',
          randomClusterId(),
          '-c',
          this.propsPath,
          '--ignore-formatted',
        ),
        { maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) {
            const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
            reject(new Error(`kafka-testing: formatting the KRaft storage failed: ${err.message}\n${tail}`));
          } else resolve();
        },
      );
    });
  }

  private record(chunk: Buffer): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      if (verbose) process.stderr.write(`[kafka] ${line}\n`);
      this.lines.push(line);
      if (this.lines.length > LOG_LINES) this.lines.shift();
    }
  }

  logs(): string {
    return this.lines.join('\n');
  }

  /** The cluster id the storage was formatted with. */
  private clusterId(): string {
    const meta = readFileSync(join(this.dir, 'logs', 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1].trim() ?? '';
  }

  private async launch(): Promise<void> {
    const child = spawn(javaBin(), this.javaArgs('kafka.Kafka', this.propsPath), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (c: Buffer) => this.record(c));
    child.stderr?.on('data', (c: Buffer) => this.record(c));
    let exitInfo: string | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        exitInfo = `could not run ${javaBin()}: ${err.message}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitInfo = `the JVM exited (code ${code}, signal ${signal})`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });

    const deadline = Date.now() + this.timeoutMs;
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      if (exitInfo !== undefined) break;
      const { Kafka, logLevel } = kafkajs();
      const admin = new Kafka({
        clientId: 'kafka-testing-probe',
        brokers: [`127.0.0.1:${this.port}`],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        requestTimeout: 5000,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        const { clusterId } = await admin.describeCluster();
        // Another broker on the port (ours could not bind it): fail now, not in the test's clients.
        if (clusterId !== this.clusterId()) {
          exitInfo = `127.0.0.1:${this.port} answers as cluster ${clusterId}, not this broker's ${this.clusterId()}: the port was taken while the broker was stopped`;
          break;
        }
        // Answering is not serving: a restarted broker answers metadata before the controller has
        // taken its registration back (fenced, its partitions have no leader), and one that is
        // never unfenced shuts down a minute later, leaving clients refused. Ready means every
        // partition it holds has a leader again.
        const { topics } = await admin.fetchTopicMetadata();
        const leaderless = topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map(() => t.name));
        if (leaderless.length === 0) return;
        lastError = `partitions without a leader yet (${leaderless.slice(0, 3).join(', ')}...)`;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      } finally {
        await admin.disconnect().catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const why = exitInfo ?? `no answer within ${this.timeoutMs} ms (last error: ${lastError})`;
    child.kill('SIGKILL');
    await this.exited;
    throw new Error(
      `kafka-testing: the Kafka broker on 127.0.0.1:${this.port} did not start: ${why}\n` +
        `--- last broker log lines ---\n${this.logs().split('\n').slice(-40).join('\n')}`,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous: for process exit. Kills the JVM and removes a temp data dir this module made. */
  cleanupSync(): void {
    this.child?.kill('SIGKILL');
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
