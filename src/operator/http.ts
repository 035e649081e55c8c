import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage) => Promise<{ status: number; body: string; contentType?: string }>;

export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

/** A small HTTP server of GET routes (health probes, metrics). */
export async function serve(
  addr: { host?: string | undefined; port: number },
  routes: Record<string, Route>,
): Promise<HttpEndpoint> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res
        .writeHead(route ? 405 : 404, { 'Content-Type': 'text/plain' })
        .end(route ? 'method not allowed\n' : 'not found\n');
      return;
    }
    route(req).then(
      (r) =>
        res.writeHead(r.status, { 'Content-Type': r.contentType ?? 'text/plain; charset=utf-8' }).end(r.body),
      (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
