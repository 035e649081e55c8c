/**
 * A reconcile error that retrying cannot fix (bad spec, missing permission that needs a human): the controller
 * logs it, counts it and forgets the key instead of requeueing with backoff. The next change to the object (or
 * the periodic resync) reconciles it again.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export function isTerminal(err: unknown): err is TerminalError {
  return err instanceof TerminalError;
}
