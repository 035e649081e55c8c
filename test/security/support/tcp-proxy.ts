import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the API server (TLS passes through untouched) that can cut one process off: after
 * `freeze()` its open connections are reset and new ones are accepted but never answered — a network
 * partition between that process and the API server, while everyone else still reaches it.
 */
export class TcpProxy {
  private server: Server | undefined;
  private frozen = false;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Listens on 127.0.0.1; returns the port. */
  async start(): Promise<number> {
    const server = createServer((client) => {
      this.track(client);
      if (this.frozen) return; // accepted, never answered
      const upstream = connect(this.port, this.host);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.once('error', end).once('close', end);
      upstream.once('error', end).once('close', end);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  freeze(): void {
    this.frozen = true;
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }
}
