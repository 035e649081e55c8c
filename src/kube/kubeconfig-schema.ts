import { z } from 'zod';

/** base64 of certificate or key data (whitespace allowed, as in wrapped PEM-in-YAML files). */
const Base64 = z.string().regex(/^[A-Za-z0-9+/=\s]*$/, 'expected base64 data');

export const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

/** `users[].user.exec`: a credential plugin (kubectl's ExecConfig). */
export const ExecConfigSchema = z.looseObject({
  apiVersion: z.enum(EXEC_API_VERSIONS, {
    error: `expected one of ${EXEC_API_VERSIONS.join(', ')} (v1alpha1 is no longer served by kubectl either)`,
  }),
  command: z.string().min(1),
  args: z.array(z.string()).nullish(),
  env: z.array(z.object({ name: z.string().min(1), value: z.string() })).nullish(),
  installHint: z.string().optional(),
  provideClusterInfo: z.boolean().optional(),
  interactiveMode: z.enum(['Never', 'IfAvailable', 'Always']).optional(),
});

/** `clusters[].cluster`. */
export const ClusterEntrySchema = z.looseObject({
  server: z.string().min(1),
  'certificate-authority': z.string().min(1).optional(),
  'certificate-authority-data': Base64.optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'tls-server-name': z.string().min(1).optional(),
  extensions: z.array(z.looseObject({ name: z.string(), extension: z.unknown() })).nullish(),
});

/** `users[].user` (kubectl's AuthInfo). */
export const UserEntrySchema = z.looseObject({
  'client-certificate': z.string().min(1).optional(),
  'client-certificate-data': Base64.optional(),
  'client-key': z.string().min(1).optional(),
  'client-key-data': Base64.optional(),
  token: z.string().optional(),
  tokenFile: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  exec: ExecConfigSchema.nullish(),
  'auth-provider': z.looseObject({ name: z.string() }).nullish(),
});

/** `contexts[].context`. */
export const ContextEntrySchema = z.looseObject({
  cluster: z.string().min(1),
  user: z.string().optional(),
  namespace: z.string().optional(),
});

/** One kubeconfig file. Every section may be missing or null (kubectl writes `clusters: null`). */
export const KubeconfigFileSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('Config').optional(),
  clusters: z.array(z.looseObject({ name: z.string().min(1), cluster: ClusterEntrySchema })).nullish(),
  users: z.array(z.looseObject({ name: z.string().min(1), user: UserEntrySchema.nullish() })).nullish(),
  contexts: z.array(z.looseObject({ name: z.string().min(1), context: ContextEntrySchema })).nullish(),
  'current-context': z.string().nullish(),
});
export type KubeconfigFile = z.infer<typeof KubeconfigFileSchema>;
export type ClusterEntry = z.infer<typeof ClusterEntrySchema>;
export type UserEntry = z.infer<typeof UserEntrySchema>;
export type ContextEntry = z.infer<typeof ContextEntrySchema>;
export type ExecConfigEntry = z.infer<typeof ExecConfigSchema>;

/** What an exec credential plugin prints (kind ExecCredential); `clientCertificateData` / `clientKeyData` are PEM. */
export const ExecCredentialSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.literal('ExecCredential'),
  status: z
    .looseObject({
      token: z.string().min(1).optional(),
      clientCertificateData: z.string().min(1).optional(),
      clientKeyData: z.string().min(1).optional(),
      expirationTimestamp: z.iso.datetime({ offset: true }).optional(),
    })
    .refine((s) => s.token !== undefined || (s.clientCertificateData && s.clientKeyData), {
      message: 'expected token, or clientCertificateData and clientKeyData',
    })
    .refine((s) => !s.clientCertificateData === !s.clientKeyData, {
      message: 'clientCertificateData and clientKeyData come together',
    }),
});
export type ExecCredential = z.infer<typeof ExecCredentialSchema>;

/** `users[2].user.exec.command` from a zod issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

/** The first problems of a failed parse, each as `field: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${issuePath(i.path)}: ${i.message}`)
    .join('; ');
}
