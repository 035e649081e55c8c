import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import type { Clock } from '../../runtime/clock.js';
import { AuthFailedError } from '../errors.js';

/**
 * Where the operator's Alibaba Cloud identity comes from, in order of precedence:
 * 1. `file` — a mounted Secret file (JSON `{"accessKeyId", "accessKeySecret", "securityToken"?}`), re-read
 *    when it changes on disk, so rotating the Secret needs no restart;
 * 2. `static` — an AccessKey pair (and optional STS token) from the environment or flags;
 * 3. `oidc` — RRSA on ACK: the pod's OIDC token file exchanged for STS credentials with AssumeRoleWithOIDC,
 *    refreshed before they expire.
 */
export type CredentialSource =
  | { kind: 'file'; path: string }
  | { kind: 'static'; accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined }
  | {
      kind: 'oidc';
      roleArn: string;
      oidcProviderArn: string;
      oidcTokenFile: string;
      roleSessionName?: string | undefined;
      durationSeconds?: number | undefined;
    };

/** The shape `@alicloud/credentials` expects from a provider (its `CredentialsProvider` interface). */
export interface CredentialsValue {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  readonly providerName: string;
}

export interface CredentialsProvider {
  getCredentials(): Promise<CredentialsValue>;
  getProviderName(): string;
}

const fileSchema = z.object({
  accessKeyId: z.string().trim().min(1, 'must not be empty'),
  accessKeySecret: z.string().trim().min(1, 'must not be empty'),
  securityToken: z.string().trim().min(1).optional(),
});

const credentialError = (message: string): AuthFailedError =>
  new AuthFailedError({ code: 'InvalidCredentials', cloudMessage: message, action: 'LoadCredentials' });

/** A fixed AccessKey pair or STS token. */
export class StaticCredentialsProvider implements CredentialsProvider {
  private readonly value: CredentialsValue;
  constructor(s: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined }) {
    this.value = {
      accessKeyId: s.accessKeyId,
      accessKeySecret: s.accessKeySecret,
      securityToken: s.securityToken ?? '',
      providerName: this.getProviderName(),
    };
  }
  getProviderName(): string {
    return 'static_ak';
  }
  getCredentials(): Promise<CredentialsValue> {
    return Promise.resolve(this.value);
  }
}

/**
 * Credentials from a file, re-read when its modification time, size or inode changes (Kubernetes swaps a
 * mounted Secret's files through a symlink; `stat` follows it). Checked at most every `checkIntervalMs`.
 * A bad file is an AuthFailed error naming the file and the field — never its content.
 */
export class FileCredentialsProvider implements CredentialsProvider {
  private cached: { value: CredentialsValue; fingerprint: string } | undefined;
  private checkedAt = -Infinity;

  constructor(
    readonly path: string,
    private readonly clock: Clock,
    private readonly checkIntervalMs = 1000,
  ) {}

  getProviderName(): string {
    return 'credentials_file';
  }

  async getCredentials(): Promise<CredentialsValue> {
    const now = this.clock.monotonic();
    if (this.cached && now - this.checkedAt < this.checkIntervalMs) return this.cached.value;
    let fingerprint: string;
    try {
      const st = await stat(this.path);
      fingerprint = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      throw credentialError(
        `the credentials file ${this.path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    this.checkedAt = now;
    if (this.cached?.fingerprint === fingerprint) return this.cached.value;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      throw credentialError(
        `the credentials file ${this.path} is not JSON ({"accessKeyId": …, "accessKeySecret": …})`,
      );
    }
    const r = fileSchema.safeParse(parsed);
    if (!r.success) {
      const what = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw credentialError(`the credentials file ${this.path} is invalid: ${what}`);
    }
    this.cached = {
      fingerprint,
      value: {
        accessKeyId: r.data.accessKeyId,
        accessKeySecret: r.data.accessKeySecret,
        securityToken: r.data.securityToken ?? '',
        providerName: this.getProviderName(),
      },
    };
    return this.cached.value;
  }
}

/** STS credentials as AssumeRoleWithOIDC returns them. */
export const stsCredentialsSchema = z.object({
  Credentials: z.object({
    AccessKeyId: z.string().min(1),
    AccessKeySecret: z.string().min(1),
    SecurityToken: z.string().min(1),
    Expiration: z.string().min(1),
  }),
});

/** Calls STS AssumeRoleWithOIDC (anonymously, through the request pipeline) and returns its body. */
export type AssumeRoleWithOidc = (params: Record<string, string | number>) => Promise<unknown>;

/**
 * RRSA: reads the OIDC token file (rotated by the kubelet) and exchanges it for STS credentials, refreshed
 * when less than a fifth of their lifetime (at least 3 minutes) is left. Concurrent callers share one refresh.
 */
export class OidcRoleCredentialsProvider implements CredentialsProvider {
  private cached: { value: CredentialsValue; expiresAt: number; refreshAt: number } | undefined;
  private inflight: Promise<CredentialsValue> | undefined;

  constructor(
    private readonly source: Extract<CredentialSource, { kind: 'oidc' }>,
    private readonly assume: AssumeRoleWithOidc,
    private readonly clock: Clock,
  ) {}

  getProviderName(): string {
    return 'oidc_role_arn';
  }

  getCredentials(): Promise<CredentialsValue> {
    const now = this.clock.now();
    if (this.cached && now < this.cached.refreshAt) return Promise.resolve(this.cached.value);
    this.inflight ??= this.refresh().finally(() => (this.inflight = undefined));
    // A refresh that fails while the old credentials are still valid keeps using them.
    if (this.cached && now < this.cached.expiresAt) {
      const old = this.cached.value;
      return this.inflight.catch(() => old);
    }
    return this.inflight;
  }

  private async refresh(): Promise<CredentialsValue> {
    let token: string;
    try {
      token = (await readFile(this.source.oidcTokenFile, 'utf8')).trim();
    } catch (err) {
      throw credentialError(
        `the OIDC token file ${this.source.oidcTokenFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    const body = await this.assume({
      RoleArn: this.source.roleArn,
      OIDCProviderArn: this.source.oidcProviderArn,
      OIDCToken: token,
      RoleSessionName: this.source.roleSessionName ?? 'alicloud-nodepool-operator',
      DurationSeconds: this.source.durationSeconds ?? 3600,
    });
    const c = stsCredentialsSchema.parse(body).Credentials;
    const expiresAt = Date.parse(c.Expiration);
    const now = this.clock.now();
    const life = Math.max(0, expiresAt - now);
    const value: CredentialsValue = {
      accessKeyId: c.AccessKeyId,
      accessKeySecret: c.AccessKeySecret,
      securityToken: c.SecurityToken,
      providerName: this.getProviderName(),
    };
    this.cached = { value, expiresAt, refreshAt: expiresAt - Math.max(180_000, life / 5) };
    return value;
  }
}
