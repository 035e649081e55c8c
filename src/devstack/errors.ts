/** A failure of the local control plane, worded for the person who ran the command. */
export class DevstackError extends Error {
  override readonly name = 'DevstackError';
  constructor(
    message: string,
    readonly details: {
      /** The component or step that failed, e.g. `kube-apiserver` or `go build`. */
      component?: string;
      /** Where that component's log is. */
      logPath?: string;
      /** What to do about it. */
      hint?: string;
      /** The last lines of the log, to print with the error. */
      logTail?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  /** The message, the hint, where the log is and its last lines: what a terminal should show. */
  describe(): string {
    const lines = [this.message];
    if (this.details.hint) lines.push(`  what to do: ${this.details.hint}`);
    if (this.details.logPath) lines.push(`  log: ${this.details.logPath}`);
    if (this.details.logTail) {
      lines.push('  last lines of the log:');
      for (const l of this.details.logTail.split('\n')) lines.push(`    ${l}`);
    }
    return lines.join('\n');
  }
}
