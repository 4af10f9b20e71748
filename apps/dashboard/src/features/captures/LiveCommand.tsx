import { CopyButton } from '../ui/CopyButton.tsx';

/** The shell command that streams a host's traffic into a listener. */
export function liveCommand(host: string, port: number): string {
  return `tcpdump -i eth0 -w - | nc ${host} ${port}`;
}

export function LiveCommand({ host, port }: { host: string; port: number }) {
  const command = liveCommand(host, port);
  return (
    <span className="inline-form">
      <code data-testid="live-command">{command}</code>
      <CopyButton text={command} label="Copy command" />
    </span>
  );
}
