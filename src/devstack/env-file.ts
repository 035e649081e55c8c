import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { shellQuote } from '../util/shell.js';

/** A shell-sourceable file of `export NAME=value` lines, written atomically. */
export class EnvFile {
  private readonly entries = new Map<string, { value: string; comment: string | undefined }>();

  constructor(readonly path: string) {}

  set(name: string, value: string, comment?: string): this {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name: ${name}`);
    this.entries.set(name, { value, comment });
    return this;
  }

  get(name: string): string | undefined {
    return this.entries.get(name)?.value;
  }

  /** The file's text; values are single-quoted so no shell expansion happens. */
  render(): string {
    const lines = ['# Written by `nodepool-operator dev` (npm start). Use: source .dev/env', ''];
    for (const [name, { value, comment }] of this.entries) {
      if (comment) lines.push(`# ${comment}`);
      lines.push(`export ${name}=${shellQuote(value)}`);
    }
    return lines.join('\n') + '\n';
  }

  async write(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    await writeFile(tmp, this.render(), { mode: 0o600 });
    await rename(tmp, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
