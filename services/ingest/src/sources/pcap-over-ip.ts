// pcap-over-IP: a TCP listener where each connection is one live capture, as sent by
// `tcpdump -i eth0 -w - | nc HOST PORT`. Each connection's bytes come out as a stream that ends
// when the sender closes, and also when the connection breaks (a reset, an idle timeout): a live
// capture has no other end, so a break ends it too, with `broken` saying so. Back-pressure is
// TCP's own: a stream not read fast enough slows the sender down.

import net from 'node:net';
import { idleGuard } from './source.ts';

export type LiveEndReason =
  /** The sender closed the connection (end of the capture). */
  | 'peer-closed'
  /** The connection was reset. */
  | 'reset'
  /** A socket error other than a reset. */
  | 'error'
  /** Nothing arrived for idleTimeoutMs. */
  | 'idle-timeout'
  /** More than maxBytes arrived. */
  | 'too-large'
  /** This side closed it (LiveCapture.close()). */
  | 'closed'
  /** The listener was closed. */
  | 'server-closed';

export interface LiveCaptureEnd {
  reason: LiveEndReason;
  /** The connection broke (reset, error, idle timeout, size cap) rather than being closed. */
  broken: boolean;
  bytes: number;
  /** The socket error's code or message, when there was one. */
  error?: string;
}

export interface LiveCapture {
  /** Increasing per listener, from 1. */
  id: number;
  /** The sender, `ip:port` (`[ip]:port` for IPv6). */
  remote: string;
  /** What may be stored as the capture's source: `tcp://REMOTE`. */
  displaySource: string;
  startedAt: Date;
  /** The capture's bytes; ends (never throws) when the connection ends or breaks. */
  stream: AsyncIterable<Uint8Array>;
  /** Bytes received so far. */
  readonly bytes: number;
  /** How it ended, once it has. */
  readonly end: LiveCaptureEnd | null;
  /** Resolves when the connection is over. */
  done: Promise<LiveCaptureEnd>;
  /** Closes the connection from this side; the stream ends. */
  close(): void;
}

export interface PcapOverIpOptions {
  host: string;
  /** 0 picks a free port (see listener.port). */
  port: number;
  /** Connections served at once; more are refused (closed at once). Default 16. */
  maxConnections?: number;
  /** Close a connection that sends nothing for this long (ms). Default: never. */
  idleTimeoutMs?: number;
  /** Close a connection past this many bytes. Default: no cap. */
  maxBytes?: number;
  /** Called with each accepted connection; when set, connections() yields nothing. */
  onConnection?: (capture: LiveCapture) => void;
  /** Called when a connection is refused for the cap. */
  onRefused?: (remote: string, reason: string) => void;
}

export interface PcapOverIpListener {
  host: string;
  port: number;
  /** Connections being served. */
  readonly active: number;
  /** Accepted connections, in order, until close(). One reader. */
  connections(): AsyncIterableIterator<LiveCapture>;
  /** Stops listening, ends every open connection ('server-closed') and waits for them. */
  close(): Promise<void>;
}

function formatRemote(socket: net.Socket): string {
  let addr = socket.remoteAddress ?? '?';
  if (addr.startsWith('::ffff:') && net.isIPv4(addr.slice(7))) addr = addr.slice(7);
  return net.isIPv6(addr) ? `[${addr}]:${socket.remotePort}` : `${addr}:${socket.remotePort}`;
}

export function listenPcapOverIp(opts: PcapOverIpOptions): Promise<PcapOverIpListener> {
  const maxConnections = opts.maxConnections ?? 16;
  const live = new Set<{ socket: net.Socket; capture: LiveCapture; setReason: (r: LiveEndReason) => void }>();
  const queue: LiveCapture[] = [];
  const waiters: ((r: IteratorResult<LiveCapture>) => void)[] = [];
  let closing = false;
  let nextId = 1;

  const deliver = (c: LiveCapture) => {
    if (opts.onConnection) {
      opts.onConnection(c);
      return;
    }
    const w = waiters.shift();
    if (w) w({ value: c, done: false });
    else queue.push(c);
  };

  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    const remote = formatRemote(socket);
    if (closing || live.size >= maxConnections) {
      socket.destroy();
      opts.onRefused?.(
        remote,
        closing ? 'the listener is closing' : `${maxConnections} captures already open`,
      );
      return;
    }
    let bytes = 0;
    let end: LiveCaptureEnd | null = null;
    let reason: LiveEndReason | null = null;
    let errorText: string | undefined;
    let resolveDone!: (e: LiveCaptureEnd) => void;
    const done = new Promise<LiveCaptureEnd>((r) => {
      resolveDone = r;
    });
    const setReason = (r: LiveEndReason) => {
      reason ??= r;
    };
    socket.on('error', (err: NodeJS.ErrnoException) => {
      errorText ??= err.code ?? err.message;
      setReason(err.code === 'ECONNRESET' ? 'reset' : 'error');
    });
    socket.once('close', () => {
      const r = reason ?? 'peer-closed';
      end = {
        reason: r,
        broken: r === 'reset' || r === 'error' || r === 'idle-timeout' || r === 'too-large',
        bytes,
        ...(errorText ? { error: errorText } : {}),
      };
      live.delete(entry);
      resolveDone(end);
    });

    async function* read(): AsyncGenerator<Uint8Array> {
      try {
        // A sender that goes quiet is idle; a reader that is slow is not (TCP holds the sender back).
        const chunks = opts.idleTimeoutMs
          ? idleGuard(
              socket as AsyncIterable<Buffer>,
              opts.idleTimeoutMs,
              () => {
                setReason('idle-timeout');
                return new Error('idle');
              },
              () => socket.destroy(),
            )
          : (socket as AsyncIterable<Buffer>);
        for await (const chunk of chunks) {
          bytes += chunk.length;
          if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
            setReason('too-large');
            const keep = chunk.length - (bytes - opts.maxBytes);
            bytes = opts.maxBytes;
            if (keep > 0) yield chunk.subarray(0, keep);
            return;
          }
          yield chunk;
        }
      } catch {
        // A reset or a local close: the capture ends here; `end` says how.
      } finally {
        socket.destroy();
      }
    }

    const capture: LiveCapture = {
      id: nextId++,
      remote,
      displaySource: `tcp://${remote}`,
      startedAt: new Date(),
      stream: read(),
      get bytes() {
        return bytes;
      },
      get end() {
        return end;
      },
      done,
      close() {
        setReason('closed');
        socket.destroy();
      },
    };
    const entry = { socket, capture, setReason };
    live.add(entry);
    deliver(capture);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off('error', reject);
      const addr = server.address() as net.AddressInfo;
      const listener: PcapOverIpListener = {
        host: addr.address,
        port: addr.port,
        get active() {
          return live.size;
        },
        connections() {
          const it: AsyncIterableIterator<LiveCapture> = {
            next() {
              const c = queue.shift();
              if (c) return Promise.resolve({ value: c, done: false });
              if (closing) return Promise.resolve({ value: undefined, done: true });
              return new Promise((r) => waiters.push(r));
            },
            return() {
              return Promise.resolve({ value: undefined, done: true });
            },
            [Symbol.asyncIterator]() {
              return it;
            },
          };
          return it;
        },
        async close() {
          if (!closing) {
            closing = true;
            for (const w of waiters.splice(0)) w({ value: undefined, done: true });
          }
          const closed = new Promise<void>((r) => server.close(() => r()));
          const ends = [...live].map((e) => {
            e.setReason('server-closed');
            e.socket.destroy();
            return e.capture.done;
          });
          await Promise.all([closed, ...ends]);
        },
      };
      resolve(listener);
    });
  });
}
