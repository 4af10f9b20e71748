import { CapstreamError } from '@capstream/core';

export type GeoErrorCode =
  | 'BAD_CONFIG' // a setting that cannot be right (not a number, out of range)
  | 'DB_NOT_FOUND' // a database file that does not exist or is not a file
  | 'DB_UNREADABLE' // a database file that exists but cannot be read
  | 'NOT_MMDB' // a file that is no MaxMind DB (no metadata section, or a corrupt one)
  | 'WRONG_DB_KIND' // an mmdb of another kind than the setting wants (a Country file given as the ASN database)
  | 'BAD_ASN_DATA'; // the packaged ASN CSV cannot be parsed

/** Everything the geo service refuses, with a stable code and a message a user can act on. */
export class GeoError extends CapstreamError {
  constructor(
    override readonly code: GeoErrorCode,
    message: string,
    /** The setting or file concerned, when there is one. */
    readonly subject?: string,
  ) {
    super(code, message);
    this.name = 'GeoError';
  }
}
