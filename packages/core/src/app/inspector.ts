// Application-protocol labelling of one flow from the first payloads of each direction. Labels come from
// payload evidence; ports only corroborate weak evidence (NTP, DHCPv6, an ambiguous '220 ' greeting...).

import { isBittorrentDht, isBittorrentHandshake } from './bittorrent.ts';
import { isAlpha, isDigit, u16 } from './bytes.ts';
import { isDhcp, isDhcpv6 } from './dhcp.ts';
import { DNS_NEED_MORE, DNS_YES, hasNetbiosName, probeDns } from './dns.ts';
import { parseDtlsHello } from './dtls.ts';
import { isGnutellaHandshake } from './gnutella.ts';
import { mayBeGquicClient, parseGquicClientPacket } from './gquic.ts';
import { httpRequestLineComplete, isHttpResponse, isSsdpRequest, parseHttpRequest } from './http.ts';
import {
  C_FTP,
  C_IMAP,
  C_POP3,
  C_SMTP,
  C_USER,
  clientLineFlags,
  greetingHost,
  S_220,
  S_FTP_HINT,
  S_IMAP,
  S_POP3,
  S_REPLY,
  S_SMTP_HINT,
  serverLineFlags,
} from './mail-ftp.ts';
import { isNtp } from './ntp.ts';
import { isKnownQuicVersion, QUIC_HELLO, QUIC_NO, QuicInspector, quicVersionName } from './quic.ts';
import { canDecryptInitial } from './quic-crypto.ts';
import { isRdpConnectionConfirm, isRdpConnectionRequest } from './rdp.ts';
import { type RtpHeader, rtpFollows, rtpHeader } from './rtp.ts';
import { isSipResponse, parseSipRequest } from './sip.ts';
import { isNetbiosDatagram, isNetbiosSessionRequest, isSmb } from './smb.ts';
import { isSnmp } from './snmp.ts';
import { isSshBanner } from './ssh.ts';
import { StreamBuffer } from './stream-buffer.ts';
import {
  collectHandshake,
  HANDSHAKE_CLIENT_HELLO,
  HANDSHAKE_SERVER_HELLO,
  type HelloInfo,
  parseClientHello,
  parseServerHello,
} from './tls.ts';

export interface AppResult {
  /** Lower-case label ('dns', 'http', 'tls', 'quic', ...) or 'unknown'. */
  app: string;
  /** TLS SNI, QUIC SNI, HTTP Host (without port), SIP Request-URI host, SMTP greeting domain; else null. */
  serverName: string | null;
  /** TLS/QUIC ALPN offered by the client (or chosen by the server if only that is seen). */
  alpn: string[] | null;
  /** '1.0' .. '1.3' from supported_versions when present, else the hello's version. */
  tlsVersion: string | null;
  /** '1', '2', or hex like '0xff00001d'. */
  quicVersion: string | null;
}

const UNKNOWN: AppResult = Object.freeze({
  app: 'unknown',
  serverName: null,
  alpn: null,
  tlsVersion: null,
  quicVersion: null,
});

/** Payload packets (both directions) inspected before giving up. */
export const MAX_PACKETS = 8;
/** Bytes buffered per TCP direction to reassemble a message (a post-quantum ClientHello is about 1.8 KB). */
export const MAX_BUFFER = 8192;

const TCP = 6;
const UDP = 17;

/** What a direction's pending bytes are being collected for. */
const K_NONE = 0;
const K_TLS = 1;
const K_HTTP = 2;
const K_DNS = 3;
const K_SIP = 4;

/** Outcome of one detector on one direction's bytes. */
type Step = 'done' | 'more' | 'no';

class Direction {
  readonly buffer = new StreamBuffer(MAX_BUFFER);
  kind = K_NONE;
  payloads = 0;
}

export class AppInspector {
  private res: AppResult = UNKNOWN;
  private finished = false;
  private packets = 0;
  private readonly client: Direction | null;
  private readonly server: Direction | null;
  /** Line evidence of the SMTP/FTP/POP3/IMAP family (flags from mail-ftp.ts). */
  private serverFlags = 0;
  private clientFlags = 0;
  private greeting: string | null = null;
  private quic: QuicInspector | null = null;
  /** Label to report when giving up, from evidence too weak to finish on (e.g. mid-stream TLS records). */
  private weak: string | null = null;
  /** A response (HTTP, SIP) was seen; the request carrying the name may still come. */
  private awaitingRequest = false;
  /** The last RTP-shaped header seen each way (client, server), until a second one follows it. */
  private rtp: [RtpHeader | null, RtpHeader | null] | null = null;

  constructor(
    private readonly ipProto: number,
    private readonly clientPort: number,
    private readonly serverPort: number,
  ) {
    this.client = ipProto === TCP ? new Direction() : null;
    this.server = ipProto === TCP ? new Direction() : null;
  }

  /** Current best result; app 'unknown' until known. Never mutated: each change replaces the object. */
  get result(): AppResult {
    return this.res;
  }

  /**
   * Offer one packet's transport payload (non-empty). fromClient = sent by the flow's initiator.
   * `messageLength`: a UDP datagram's length when the payload holds only its start (the first IP
   * fragment, a packet cut by the snap length). Returns true when inspection is finished (no more
   * packets needed).
   */
  push(payload: Uint8Array, fromClient: boolean, messageLength = payload.length): boolean {
    if (this.finished) return true;
    if (payload.length === 0) return false;
    this.packets++;
    try {
      if (this.ipProto === TCP) this.onTcp(payload, fromClient);
      else if (this.ipProto === UDP) this.onUdp(payload, fromClient, Math.max(messageLength, payload.length));
      else this.finish();
      if (!this.finished && this.packets >= MAX_PACKETS) this.giveUp();
    } catch {
      // Detectors do not throw on malformed input; this is a last line of defence for the caller's loop.
      this.finish();
    }
    return this.finished;
  }

  /** A new result: the patch's fields (null included), the current ones where it has none. */
  private update(patch: Partial<AppResult>): void {
    const r = this.res;
    // Field by field into one shape: a spread of the two is megamorphic over the patches' shapes.
    this.res = {
      app: patch.app ?? r.app,
      serverName: patch.serverName !== undefined ? patch.serverName : r.serverName,
      alpn: patch.alpn !== undefined ? patch.alpn : r.alpn,
      tlsVersion: patch.tlsVersion !== undefined ? patch.tlsVersion : r.tlsVersion,
      quicVersion: patch.quicVersion !== undefined ? patch.quicVersion : r.quicVersion,
    };
  }

  private finish(): void {
    this.finished = true;
    this.quic = null;
    this.client?.buffer.clear();
    this.server?.buffer.clear();
  }

  private hasPort(port: number): boolean {
    return this.clientPort === port || this.serverPort === port;
  }

  // ---------------------------------------------------------------- TCP

  private onTcp(payload: Uint8Array, fromClient: boolean): void {
    const dir = (fromClient ? this.client : this.server) as Direction;
    dir.payloads++;
    const data = dir.buffer.feed(payload);
    let step: Step;
    switch (dir.kind) {
      case K_TLS:
        step = this.tlsStep(data, fromClient);
        break;
      case K_HTTP:
        step = this.httpStep(data);
        break;
      case K_DNS:
        step = this.dnsTcpStep(data);
        break;
      case K_SIP:
        step = this.sipStep(data, false);
        break;
      default:
        step = this.probeTcp(dir, data, fromClient);
    }
    if (step === 'more' && !dir.buffer.full && !this.finished) {
      dir.buffer.hold(data);
      return;
    }
    if (step === 'more') {
      // The message outgrew the buffer: use what arrived.
      if (dir.kind === K_TLS && fromClient) {
        this.finishPartialClientHello(data);
        return;
      }
      if (dir.kind === K_HTTP && httpRequestLineComplete(data)) {
        this.update({ app: 'http' });
        this.finish();
        return;
      }
    }
    dir.kind = K_NONE;
    dir.buffer.clear();
  }

  /** First-byte dispatch for bytes at the start of a direction's message. */
  private probeTcp(dir: Direction, d: Uint8Array, fromClient: boolean): Step {
    const c0 = d[0];
    let step: Step = 'no';
    if (c0 === 0x16) {
      dir.kind = K_TLS;
      step = this.tlsStep(d, fromClient);
    } else if (c0 === 0x17 || c0 === 0x14 || c0 === 0x15) {
      this.tlsRecordEvidence(d);
    } else if (c0 === 0x03) {
      if (fromClient ? isRdpConnectionRequest(d) : isRdpConnectionConfirm(d)) step = this.label('rdp');
    } else if (c0 === 0x00) {
      if (isSmb(d)) step = this.label('smb');
    } else if (c0 === 0x13) {
      if (isBittorrentHandshake(d)) step = this.label('bittorrent');
    } else if (c0 === 0x81) {
      if (fromClient && isNetbiosSessionRequest(d)) step = this.label('netbios');
    } else if (isAlpha(c0) || isDigit(c0) || c0 === 0x2b || c0 === 0x2d || c0 === 0x2a) {
      step = this.textStep(dir, d, fromClient);
    }
    // DNS over TCP has no magic: only the first payload of a direction, starting with a length, is tried.
    if (step === 'no' && dir.kind === K_NONE && dir.payloads === 1) {
      dir.kind = K_DNS;
      step = this.dnsTcpStep(d);
    }
    if (step === 'no') dir.kind = K_NONE;
    return step;
  }

  private label(app: string): Step {
    this.update({ app });
    this.finish();
    return 'done';
  }

  private textStep(dir: Direction, d: Uint8Array, fromClient: boolean): Step {
    if (isSshBanner(d)) return this.label('ssh');
    if (d[0] === 0x47 && isGnutellaHandshake(d, fromClient)) return this.label('gnutella');
    if (fromClient) {
      dir.kind = K_HTTP;
      let step = this.httpStep(d);
      if (step !== 'no') return step;
      dir.kind = K_SIP;
      step = this.sipStep(d, false);
      if (step !== 'no') return step;
      dir.kind = K_NONE;
      if (this.awaitingRequest) return 'no';
      const f = clientLineFlags(d);
      if (f === 0) return 'no';
      this.clientFlags |= f;
    } else {
      if (isHttpResponse(d)) return this.response('http');
      if (isSipResponse(d)) return this.response('sip');
      let f = serverLineFlags(d);
      if ((this.client as Direction).payloads > 0) {
        // Greetings precede any client data. Once the client has spoken, '220', '+OK' and '* OK' only count as
        // replies to commands already recognised (Redis, for one, also answers '+OK').
        f &= ~(S_220 | S_SMTP_HINT | S_FTP_HINT);
        if ((this.clientFlags & (C_USER | C_POP3)) === 0) f &= ~S_POP3;
        if ((this.clientFlags & C_IMAP) === 0) f &= ~S_IMAP;
      }
      if (f === 0) return 'no';
      this.serverFlags |= f;
      if ((f & S_220) !== 0 && this.greeting === null) this.greeting = greetingHost(d);
    }
    this.decideText();
    return 'done';
  }

  /** A response labels the flow; finish unless the request (with the name) may still come, i.e. unless the
   *  client has not been seen yet (capture started mid-stream, or UDP). */
  private response(app: string): Step {
    if (this.res.app === 'unknown') this.update({ app });
    if (this.client !== null && this.client.payloads > 0) this.finish();
    else this.awaitingRequest = true;
    return 'done';
  }

  /** Combines line evidence of both directions (see mail-ftp.ts). */
  private decideText(): void {
    const s = this.serverFlags;
    const c = this.clientFlags;
    let app: string | null = null;
    if ((s & S_IMAP) !== 0) app = 'imap';
    else if ((s & S_POP3) !== 0) app = 'pop3';
    else if ((s & S_220) !== 0) {
      const smtp = (s & S_SMTP_HINT) !== 0;
      const ftp = (s & S_FTP_HINT) !== 0;
      if (smtp && !ftp) app = 'smtp';
      else if (ftp && !smtp) app = 'ftp';
      else if ((c & C_SMTP) !== 0) app = 'smtp';
      else if ((c & (C_FTP | C_USER)) !== 0) app = 'ftp';
    } else if ((c & C_SMTP) !== 0) app = 'smtp';
    else if ((c & C_IMAP) !== 0) app = 'imap';
    // FTP-only commands and USER/PASS are short words other protocols use too (Redis has TYPE): a numbered
    // reply from the server must corroborate them. POP3-only commands are settled by '+OK' above.
    else if ((c & (C_FTP | C_USER)) !== 0 && (s & S_REPLY) !== 0) app = 'ftp';
    if (app === null) return;
    this.update({ app, serverName: app === 'smtp' ? this.greeting : null });
    this.finish();
  }

  private tlsStep(d: Uint8Array, fromClient: boolean): Step {
    const r = collectHandshake(d, fromClient ? HANDSHAKE_CLIENT_HELLO : HANDSHAKE_SERVER_HELLO);
    if (r.status === 'partial') return 'more';
    if (r.status === 'invalid' || r.msg === null) return 'no';
    const hello = fromClient ? parseClientHello(r.msg) : parseServerHello(r.msg);
    if (hello === null) return 'no';
    if (fromClient) {
      this.applyHello(hello, true);
      this.finish();
      return 'done';
    }
    // Server evidence: keep the client's ALPN/version if its ClientHello was parsed (then we are finished anyway).
    this.applyHello(hello, false);
    const client = this.client as Direction;
    if (client.kind !== K_TLS) this.finish();
    return 'done';
  }

  private applyHello(h: HelloInfo, fromClient: boolean): void {
    if (fromClient) {
      this.update({ app: 'tls', serverName: h.serverName, alpn: h.alpn, tlsVersion: h.version });
    } else {
      this.update({
        app: 'tls',
        alpn: this.res.alpn ?? h.alpn,
        tlsVersion: this.res.tlsVersion ?? h.version,
      });
    }
  }

  /** RFC 8446 §5.1 TLSPlaintext/TLSCiphertext header: ContentType (20..23), legacy_record_version 0x0301..0x0304,
   *  length <= 2^14 + 256. A capture that starts mid-connection sees these; weak evidence of TLS. */
  private tlsRecordEvidence(d: Uint8Array): void {
    if (d.length >= 5 && d[1] === 3 && d[2] >= 1 && d[2] <= 4 && u16(d, 3) > 0 && u16(d, 3) <= 16384 + 256) {
      this.weak ??= 'tls';
    }
  }

  private finishPartialClientHello(data: Uint8Array): void {
    const r = collectHandshake(data, HANDSHAKE_CLIENT_HELLO);
    const hello = r.msg !== null && r.status !== 'invalid' ? parseClientHello(r.msg, true) : null;
    if (hello !== null) this.applyHello(hello, true);
    this.finish();
  }

  private httpStep(d: Uint8Array): Step {
    const r = parseHttpRequest(d);
    if (r === 'no' || r === 'more') return r;
    this.update({ app: 'http', serverName: r.host });
    this.finish();
    return 'done';
  }

  private sipStep(d: Uint8Array, udp: boolean): Step {
    const r = parseSipRequest(d);
    if (r === 'more') return udp ? 'no' : 'more';
    if (r === 'no') return 'no';
    this.update({ app: 'sip', serverName: r.host });
    this.finish();
    return 'done';
  }

  /** DNS over TCP (RFC 1035 §4.2.2): "The message is prefixed with a two byte length field". */
  private dnsTcpStep(d: Uint8Array): Step {
    if (d.length < 2) return 'no';
    const len = u16(d, 0);
    if (len < 12) return 'no';
    // Some resolvers write the length prefix on its own; otherwise the header must be in the first segment.
    if (d.length === 2) return 'more';
    if (d.length < 2 + 12) return 'no';
    const v = probeDns(d, 2, d.length, len);
    if (v === DNS_NEED_MORE) return 'more';
    if (v !== DNS_YES) return 'no';
    return this.label(this.dnsFamily());
  }

  private dnsFamily(): string {
    if (this.hasPort(5353)) return 'mdns';
    if (this.hasPort(5355)) return 'llmnr';
    return 'dns';
  }

  // ---------------------------------------------------------------- UDP

  /** `length`: the datagram's, of which `d` may hold only the start. */
  private onUdp(d: Uint8Array, fromClient: boolean, length: number): void {
    if (this.quic !== null || ((d[0] & 0x80) !== 0 && d.length >= 7 && this.quicCandidate(d))) {
      if (this.udpQuic(d, fromClient) || this.res.app === 'quic') return;
    }
    if (fromClient && mayBeGquicClient(d) && this.udpGquic(d)) return;
    if (d[0] === 22 && this.udpDtls(d)) return;
    if (this.awaitingRequest) {
      this.sipStep(d, true);
      return;
    }
    const c0 = d[0];
    if (isDhcp(d)) this.label('dhcp');
    else if (isNtp(d, this.clientPort, this.serverPort)) this.label('ntp');
    else if (isDhcpv6(d, this.clientPort, this.serverPort)) this.label('dhcpv6');
    else if (isNetbiosDatagram(d)) this.label('netbios');
    else if (d.length >= 12 && this.udpDns(d, length)) return;
    else if (isAlpha(c0)) this.udpText(d);
    else if (c0 === 0x30) {
      if (isSnmp(d)) this.label('snmp');
    } else if ((c0 & 0xc0) === 0x80) this.udpRtp(d, fromClient);
  }

  /** An RTP stream: a second header from the same side that follows the one before it. */
  private udpRtp(d: Uint8Array, fromClient: boolean): void {
    const h = rtpHeader(d);
    if (h === null) return;
    this.rtp ??= [null, null];
    const side = fromClient ? 0 : 1;
    const before = this.rtp[side];
    if (before !== null && rtpFollows(before, h)) this.label('rtp');
    else this.rtp[side] = h;
  }

  /** Long header with a known version (or a version negotiation): worth a QuicInspector. */
  private quicCandidate(d: Uint8Array): boolean {
    const v = ((d[1] << 24) | (d[2] << 16) | (d[3] << 8) | d[4]) >>> 0;
    return isKnownQuicVersion(v) || v === 0;
  }

  /** Returns true when the datagram was QUIC. */
  private udpQuic(d: Uint8Array, fromClient: boolean): boolean {
    this.quic ??= new QuicInspector();
    const q = this.quic;
    const v = q.push(d, fromClient);
    if (v === QUIC_NO) return false;
    const quicVersion = q.version >= 0 ? quicVersionName(q.version) : null;
    if (v === QUIC_HELLO && q.hello !== null) {
      const h = q.hello;
      this.update({
        app: 'quic',
        serverName: h.serverName,
        alpn: h.alpn,
        tlsVersion: h.version,
        quicVersion,
      });
      this.finish();
      return true;
    }
    if (this.res.app !== 'quic' || this.res.quicVersion !== quicVersion)
      this.update({ app: 'quic', quicVersion });
    // Nothing more to learn when the Initial packets cannot be decrypted or the ClientHello is unusable.
    if (q.helloInvalid || (q.version >= 0 && !canDecryptInitial(q.version))) this.finish();
    return true;
  }

  /** Google QUIC's legacy header on a client packet: the version, and the server's name from its CHLO. */
  private udpGquic(d: Uint8Array): boolean {
    const hello = parseGquicClientPacket(d);
    if (hello === null) return false;
    this.update({ app: 'quic', quicVersion: quicVersionName(hello.version), serverName: hello.serverName });
    this.finish();
    return true;
  }

  /** A DTLS hello from either side (in WebRTC either peer may be the DTLS client). */
  private udpDtls(d: Uint8Array): boolean {
    const r = parseDtlsHello(d);
    if (r === null) return false;
    const h = r.hello;
    this.update({
      app: 'dtls',
      serverName: h?.serverName ?? null,
      alpn: h?.alpn ?? null,
      tlsVersion: h?.version ?? null,
    });
    this.finish();
    return true;
  }

  /** DNS-shaped messages: NetBIOS name service (RFC 1002 §4.2), mDNS (port 5353), LLMNR (5355), DNS. */
  private udpDns(d: Uint8Array, length: number): boolean {
    // A datagram cut short (a first fragment) is judged on what it holds: header and questions.
    if (hasNetbiosName(d, 0, d.length) && probeDns(d, 0, d.length, length, true) === DNS_YES) {
      this.label('netbios');
      return true;
    }
    if (probeDns(d, 0, d.length, length) !== DNS_YES) return false;
    this.label(this.dnsFamily());
    return true;
  }

  private udpText(d: Uint8Array): void {
    if (this.sipStep(d, true) === 'done') return;
    if (isSipResponse(d)) {
      this.response('sip');
      return;
    }
    if (isSsdpRequest(d) || (this.hasPort(1900) && isHttpResponse(d))) {
      this.label('ssdp');
      return;
    }
    if (isBittorrentDht(d)) this.label('bittorrent');
  }

  // ---------------------------------------------------------------- giving up

  /** The flow ended before inspection did: settle on the best evidence so far, as at the packet budget. */
  settle(): void {
    if (!this.finished) this.giveUp();
  }

  /** Packet budget exhausted: settle on the best evidence so far. */
  private giveUp(): void {
    if (this.res.app === 'unknown') {
      const client = this.client;
      if (client !== null && client.kind === K_TLS && client.buffer.pending) {
        this.finishPartialClientHello(client.buffer.bytes());
        if (this.res.app !== 'unknown') return;
      }
      if (client !== null && client.kind === K_HTTP && httpRequestLineComplete(client.buffer.bytes())) {
        this.weak ??= 'http';
      }
      const app = this.portCorroborated();
      if (app !== null) this.update({ app, serverName: app === 'smtp' ? this.greeting : null });
      else if (this.weak !== null) this.update({ app: this.weak });
    } else if (this.res.app === 'quic' && this.quic !== null && this.res.serverName === null) {
      const h = this.quic.partialHello();
      if (h !== null) this.update({ serverName: h.serverName, alpn: h.alpn, tlsVersion: h.version });
    }
    this.finish();
  }

  /** Ambiguous line evidence settled by a well-known port. */
  private portCorroborated(): string | null {
    if ((this.serverFlags & S_220) !== 0) {
      if (this.hasPort(21)) return 'ftp';
      if (this.hasPort(25) || this.hasPort(587) || this.hasPort(465) || this.hasPort(2525)) return 'smtp';
    }
    if ((this.clientFlags & (C_USER | C_FTP)) !== 0 && this.hasPort(21)) return 'ftp';
    if ((this.clientFlags & (C_USER | C_POP3)) !== 0 && this.hasPort(110)) return 'pop3';
    return null;
  }
}
