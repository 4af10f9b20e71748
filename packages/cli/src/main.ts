import { CapstreamError, type CaptureSummary } from '@capstream/core';
import { Command, CommanderError, Option } from 'commander';
import { demoCommand } from './commands/demo.ts';
import { FLOW_FORMATS, flowsCommand } from './commands/flows.ts';
import { infoCommand } from './commands/info.ts';
import { EXIT_BROKEN_CAPTURE, EXIT_OK, EXIT_USAGE } from './errors.ts';

interface RunResult {
  summary: (CaptureSummary & { label: string }) | null;
  failed: boolean;
}

function program(result: RunResult): Command {
  const cli = new Command('capstream')
    .description(
      'Packet captures in, flows out: read pcap/pcapng (optionally gzip-wrapped) and see what is inside.',
    )
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  cli
    .command('flows')
    .description('Print the flows of a capture, one per line (jsonl), as CSV, or as a table.')
    .argument(
      '<capture>',
      "capture file (pcap, pcapng, optionally gzip-compressed), or '-' for standard input",
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(FLOW_FORMATS).default('jsonl'))
    .option('--udp-timeout <seconds>', 'idle time that ends a UDP, ICMP or other port-less flow', '60')
    .option('--tcp-timeout <seconds>', 'idle time that ends an open TCP connection', '300')
    .option('--max-flows <n>', 'most flows tracked at once; at the cap the oldest 1% end early', '300000')
    .option('--no-inspect', 'skip application-protocol labelling (faster, app is always unknown)')
    .addHelpText(
      'after',
      '\nFields (jsonl/csv): src_ip src_port dst_ip dst_port ip_proto packets_src packets_dst bytes_src bytes_dst\n' +
        '(IP-layer bytes) first_seen last_seen (ISO-8601 UTC, full capture precision) app server_name tcp_state and more.\n' +
        'Exit status: 0 ok, 1 unusable input, 2 capture broken part-way (flows before the break are printed).',
    )
    .action(async (path: string, opts) => {
      result.summary = await flowsCommand(path, opts);
    });

  cli
    .command('info')
    .description(
      'Describe a capture as capinfos would (format, link types, packets, bytes, time span, SHA-256), plus skipped and malformed packet counts.',
    )
    .argument('<capture>', "capture file, or '-' for standard input")
    .option('--json', 'print JSON instead of text', false)
    .action(async (path: string, opts) => {
      result.summary = await infoCommand(path, opts);
    });

  cli
    .command('ingest')
    .description(
      'Run a capture (path, http(s) URL, or Azure Blob URL with a SAS) through the embedded pipeline into the store.',
    )
    .argument('<source>', 'capture file, http(s) URL or Azure Blob SAS URL; gzip is detected by content')
    .option('--data <dir>', 'data directory (ClickHouse files, capture archive)', '.data')
    .option('--name <name>', 'a name for the capture (default: the file name)')
    .option('--dataset <id>', 'dataset the capture belongs to', 'default')
    .option(
      '--config <file>',
      'JSON settings (fetch allow-list and caps, geo databases); also CAPSTREAM_CONFIG',
    )
    .action(async (source: string, opts) => {
      // The pipeline commands load ClickHouse (chDB) and the services: only when asked for.
      const { ingestCommand } = await import('./commands/ingest.ts');
      const done = await ingestCommand(source, opts);
      if (done.status === 'FAILED') result.failed = true;
    });

  cli
    .command('captures')
    .description('List the stored captures and their status.')
    .option('--data <dir>', 'data directory', '.data')
    .option('--json', 'one JSON object per line', false)
    .action(async (opts) => {
      const { capturesCommand } = await import('./commands/captures.ts');
      await capturesCommand(opts);
    });

  cli
    .command('export')
    .description(
      'Print the stored flows of a capture: the `flows` fields plus geo (country, city, coordinates, AS) and capture_id.',
    )
    .requiredOption('--capture <id>', 'capture id (see `capstream captures`)')
    .option('--data <dir>', 'data directory', '.data')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'),
    )
    .action(async (opts) => {
      const { exportCommand } = await import('./commands/export.ts');
      await exportCommand(opts);
    });

  cli
    .command('up')
    .description(
      'Run the embedded stack: pipeline, pcap-over-IP listener and HTTP endpoint; ingests a sample capture on first start.',
    )
    .option('--data <dir>', 'data directory', '.data')
    .option('--port <n>', 'HTTP port (health, metrics, captures; API and dashboard)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--pcap-port <n>', 'pcap-over-IP listener port (tcpdump -w - | nc HOST PORT)', '57012')
    .option('--no-sample', 'do not ingest the sample capture on first start')
    .option(
      '--config <file>',
      'JSON settings (fetch allow-list and caps, geo databases); also CAPSTREAM_CONFIG',
    )
    .action(async (opts) => {
      const { upCommand } = await import('./commands/up.ts');
      await upCommand(opts);
    });

  cli
    .command('serve')
    .description(
      'Run roles of Capstream as services over Kafka (KAFKA_BROKERS): ingest, parser, writer, api, dashboard.',
    )
    .argument(
      '<roles>',
      'ingest | parser | writer (owns the store: geo, flows, captures) | api (GraphQL) | dashboard (static files); several in one process joined by commas, e.g. writer,api',
    )
    .option(
      '--data <dir>',
      'data directory shared by the roles (capture archive, uploads; chDB for the writer)',
      '.data',
    )
    .option(
      '--port <n>',
      'HTTP port: the API or the dashboard, else /healthz, /readyz, /metrics (0 = any free port)',
      '0',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--config <file>', 'JSON settings; also CAPSTREAM_CONFIG')
    .option(
      '--check',
      'validate environment and settings, load the roles, print the plan and exit; contacts nothing',
    )
    .addHelpText(
      'after',
      '\nEnvironment: KAFKA_BROKERS (host:port,...; every role but the dashboard), CLICKHOUSE_URL (writer and api;\n' +
        'without it the writer uses chDB under --data, and the API shares it only in the same process: serve writer,api),\n' +
        'CAPSTREAM_ADMIN_TOKEN (api).',
    )
    .action(async (roles: string, opts) => {
      const { serveCommand } = await import('./commands/serve.ts');
      await serveCommand(roles, opts);
    });

  cli
    .command('migrate')
    .description(
      'Bring the store schema to this version (CLICKHOUSE_URL, else chDB under --data); prints what changed.',
    )
    .option('--data <dir>', 'data directory (chDB, when CLICKHOUSE_URL is not set)', '.data')
    .option('--timeout <seconds>', 'keep trying this long while ClickHouse does not answer yet', '120')
    .action(async (opts) => {
      const { migrateCommand } = await import('./commands/migrate.ts');
      await migrateCommand(opts);
    });

  cli
    .command('demo')
    .description(
      "Offline: write the project's own sample capture (first time) and summarise what Capstream sees in it.",
    )
    .option('--data <dir>', 'where the sample capture is kept', '.data')
    .action(async (opts) => {
      await demoCommand(opts);
    });

  return cli;
}

/** Runs the CLI; returns the exit code. User errors print one line, never a stack. */
export async function main(argv: string[]): Promise<number> {
  const result: RunResult = { summary: null, failed: false };
  try {
    await program(result).parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (e instanceof CapstreamError) {
      process.stderr.write(`capstream: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (result.failed) return EXIT_USAGE;
  const s = result.summary;
  if (s?.error) {
    const err = s.error;
    process.stderr.write(
      `capstream: ${s.label}: ${err.code === 'TRUNCATED' ? 'truncated' : 'malformed'} at byte ${err.offset}: ${err.reason}\n`,
    );
    // A capture unreadable from its first byte is unusable input; a break later is partial.
    return s.packets === 0 ? EXIT_USAGE : EXIT_BROKEN_CAPTURE;
  }
  return EXIT_OK;
}
