import { CapstreamError, type CaptureSummary } from '@capstream/core';
import { Command, CommanderError, Option } from 'commander';
import { demoCommand } from './commands/demo.ts';
import { FLOW_FORMATS, flowsCommand } from './commands/flows.ts';
import { infoCommand } from './commands/info.ts';
import { EXIT_BROKEN_CAPTURE, EXIT_OK, EXIT_USAGE } from './errors.ts';

function program(result: { summary: (CaptureSummary & { label: string }) | null }): Command {
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
    .option('--max-flows <n>', 'most flows tracked at once; the oldest end early beyond it', '300000')
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
    .command('demo')
    .description(
      "Write the project's own sample capture (first time) and show what Capstream sees in it. `npm start` runs this.",
    )
    .option('--data <dir>', 'where the sample capture is kept', '.data')
    .action(async (opts) => {
      await demoCommand(opts);
    });

  return cli;
}

/** Runs the CLI; returns the exit code. User errors print one line, never a stack. */
export async function main(argv: string[]): Promise<number> {
  const result: { summary: (CaptureSummary & { label: string }) | null } = { summary: null };
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
