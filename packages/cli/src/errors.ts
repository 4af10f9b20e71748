import { CapstreamError } from '@capstream/core';

/** A mistake the user can fix (bad argument, missing file): printed as one line, no stack. */
export class UsageError extends CapstreamError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** Exit codes: 0 fine, 1 the user's input could not be used, 2 a capture was broken part-way. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_BROKEN_CAPTURE = 2;
