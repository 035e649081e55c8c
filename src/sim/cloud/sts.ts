import {
  createPublicKey,
  createVerify,
  generateKeyPairSync,
  createSign,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { Authenticator } from './auth.js';
import { isoSeconds } from './clock.js';
import { ApiError, missingParameter } from './errors.js';
import type { ApiBody, Call } from './server.js';

/** An OIDC identity provider registered in RAM (RRSA: the cluster's service-account issuer). */
export interface OidcProvider {
  /** `acs:ram::<account>:oidc-provider/<name>` */
  arn: string;
  /** The `iss` the tokens carry. */
  issuer: string;
  /** Public keys (PEM or KeyObject) that verify the tokens (RS256). */
  publicKeys: (string | KeyObject)[];
  /** Accepted `aud` values (ClientIds); empty = any. */
  audiences: string[];
}

function b64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function oidcError(code: string, message: string): ApiError {
  return new ApiError(code, message, 400);
}

/** Verifies an RS256 JWT against a provider; returns its claims. Times are wall-clock seconds. */
export function verifyOidcToken(
  provider: OidcProvider,
  token: string,
  nowMs = Date.now(),
): Record<string, unknown> {
  const parts = token.split('.');
  const [h, p, sig] = parts;
  if (parts.length !== 3 || !h || !p || !sig) {
    throw oidcError(
      'AuthenticationFail.OIDCToken.Invalid',
      'The OIDC token is not a JWT (header.payload.signature).',
    );
  }
  const header = b64urlJson(h);
  const claims = b64urlJson(p);
  if (!header || !claims)
    throw oidcError('AuthenticationFail.OIDCToken.Invalid', 'The OIDC token is not valid JSON.');
  if (header.alg !== 'RS256') {
    throw oidcError(
      'AuthenticationFail.OIDCToken.Invalid',
      `The OIDC token algorithm ${String(header.alg)} is not supported: use RS256.`,
    );
  }
  const signed = provider.publicKeys.some((k) => {
    const key = typeof k === 'string' ? createPublicKey(k) : k;
    return createVerify('RSA-SHA256').update(`${h}.${p}`).verify(key, Buffer.from(sig, 'base64url'));
  });
  if (!signed)
    throw oidcError(
      'AuthenticationFail.OIDCToken.Invalid',
      'The OIDC token signature does not verify against the provider keys.',
    );
  if (claims.iss !== provider.issuer) {
    throw oidcError(
      'AuthenticationFail.OIDCToken.IssuerNotMatch',
      `The OIDC token issuer ${String(claims.iss)} is not ${provider.issuer}.`,
    );
  }
  const now = nowMs / 1000;
  if (typeof claims.exp !== 'number' || claims.exp < now)
    throw oidcError('AuthenticationFail.OIDCToken.Expired', 'The OIDC token has expired.');
  if (typeof claims.nbf === 'number' && claims.nbf > now + 60)
    throw oidcError('AuthenticationFail.OIDCToken.Invalid', 'The OIDC token is not valid yet.');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (
    provider.audiences.length > 0 &&
    !aud.some((a) => typeof a === 'string' && provider.audiences.includes(a))
  ) {
    throw oidcError(
      'AuthenticationFail.OIDCToken.AudienceNotMatch',
      `The OIDC token audience is not one of ${provider.audiences.join(', ')}.`,
    );
  }
  return claims;
}

/** A provider with a fresh key pair, and a signer for tests and the local environment. */
export function generateOidcProvider(
  accountId: string,
  name = 'sim-cluster',
): { provider: OidcProvider; sign(claims: Record<string, unknown>): string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider: OidcProvider = {
    arn: `acs:ram::${accountId}:oidc-provider/${name}`,
    issuer: `https://oidc-ack-cn-hangzhou.oss-cn-hangzhou-internal.aliyuncs.com/${name}`,
    publicKeys: [publicKey],
    audiences: ['sts.aliyuncs.com'],
  };
  const sign = (claims: Record<string, unknown>): string => {
    const now = Math.floor(Date.now() / 1000);
    const h = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'sim' })).toString('base64url');
    const p = Buffer.from(
      JSON.stringify({ iss: provider.issuer, aud: 'sts.aliyuncs.com', iat: now, exp: now + 3600, ...claims }),
    ).toString('base64url');
    const s = createSign('RSA-SHA256').update(`${h}.${p}`).sign(privateKey).toString('base64url');
    return `${h}.${p}.${s}`;
  };
  return { provider, sign };
}

const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9.@-]{1,64})$/;

/** STS AssumeRoleWithOIDC (anonymous call): temporary credentials the simulator then accepts. */
export function assumeRoleWithOidc(
  providers: readonly OidcProvider[],
  auth: Authenticator,
  call: Call,
): ApiBody {
  const p = call.params;
  const providerArn = p.required('OIDCProviderArn');
  const roleArn = p.required('RoleArn');
  const token = p.required('OIDCToken');
  const sessionName = p.text('RoleSessionName', {
    min: 2,
    max: 64,
    pattern: /^[A-Za-z0-9._@-]+$/,
    patternRule: 'letters, digits, ".", "@", "-" and "_"',
  });
  const duration = p.int('DurationSeconds', { min: 900, max: 43_200 }) ?? 3600;
  const role = ROLE_ARN.exec(roleArn);
  if (!role)
    throw new ApiError(
      'InvalidParameter.RoleArn',
      `The parameter "RoleArn" is not valid: ${roleArn} is not acs:ram::<account>:role/<name>.`,
    );
  const provider = providers.find((x) => x.arn === providerArn);
  if (!provider)
    throw new ApiError(
      'EntityNotExist.OIDCProvider',
      `The OIDC provider ${providerArn} does not exist.`,
      404,
    );
  if (!token) throw missingParameter('OIDCToken');
  const claims = verifyOidcToken(provider, token);
  const session = sessionName ?? `sim-${randomBytes(4).toString('hex')}`;
  const accessKeyId = `STS.${randomBytes(18).toString('base64url')}`;
  const accessKeySecret = randomBytes(30).toString('base64url');
  const securityToken = `CAIS${randomBytes(96).toString('base64')}`;
  const expiresAt = Date.now() + duration * 1000;
  const arn = `acs:ram::${role[1]}:assumed-role/${role[2]}/${session}`;
  auth.add({ accessKeyId, accessKeySecret, securityToken, expiresAt, principal: arn });
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      AccessKeySecret: accessKeySecret,
      SecurityToken: securityToken,
      Expiration: isoSeconds(expiresAt),
    },
    AssumedRoleUser: { Arn: arn, AssumedRoleId: `3${randomBytes(8).toString('hex')}:${session}` },
    OIDCTokenInfo: {
      Subject: typeof claims.sub === 'string' ? claims.sub : '',
      Issuer: typeof claims.iss === 'string' ? claims.iss : '',
      ClientIds: Array.isArray(claims.aud)
        ? claims.aud.join(',')
        : typeof claims.aud === 'string'
          ? claims.aud
          : '',
      IssuanceTime: typeof claims.iat === 'number' ? isoSeconds(claims.iat * 1000) : '',
      ExpirationTime: typeof claims.exp === 'number' ? isoSeconds(claims.exp * 1000) : '',
      VerificationInfo: 'Success',
    },
  };
}
