import { Agent, request } from 'node:https';

/**
 * How a simulated kubelet authenticates: a bootstrap token, or the client certificate it obtained; with the
 * connection pool it keeps (a kubelet holds its connection to the API server open: one TLS handshake per
 * identity, not one per request).
 */
export type Credentials = ({ token: string } | { cert: string; key: string }) & { agent?: Agent };

/** A kept-alive connection pool for one kubelet identity; destroy it when the kubelet is done with it. */
export function kubeletAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 2 });
}

export interface KubeResponse {
  status: number;
  body: unknown;
  text: string;
}

/**
 * One request to the API server the way a kubelet makes it: its own TLS trust (the cluster CA it verified)
 * and its own identity. The node simulation does not use the operator's client: it is a separate party.
 */
export function kubeRequest(
  server: string,
  ca: string,
  creds: Credentials,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(payload.length);
    }
    if ('token' in creds) headers.authorization = `Bearer ${creds.token}`;
    const req = request(
      new URL(path, server),
      {
        method,
        headers,
        ca,
        ...('cert' in creds ? { cert: creds.cert, key: creds.key } : {}),
        ...(creds.agent ? { agent: creds.agent } : {}),
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload) req.end(payload);
    else req.end();
  });
}
