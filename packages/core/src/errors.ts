/**
 * Typed errors with stable string codes. User-facing layers (CLI, API) print `message` and map
 * `code`; they never show a stack for a CapstreamError.
 */
export type CaptureErrorCode =
  | 'UNKNOWN_FORMAT' // the first bytes are no pcap, pcapng or gzip magic
  | 'TRUNCATED' // the capture ends inside a header or record
  | 'BAD_HEADER' // a file or section header that cannot be right
  | 'BAD_RECORD' // a record or block whose lengths cannot be right
  | 'BAD_GZIP' // the gzip wrapper is corrupt
  | 'IO'; // the bytes could not be read

export class CapstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CapstreamError';
  }
}

export class CaptureError extends CapstreamError {
  constructor(
    override readonly code: CaptureErrorCode,
    /** Byte offset in the (decompressed) capture where the problem starts. */
    readonly offset: number,
    readonly reason: string,
  ) {
    super(code, `at byte ${offset}: ${reason}`);
    this.name = 'CaptureError';
  }
}
