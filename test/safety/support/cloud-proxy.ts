import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One cloud API call as it passed the proxy. */
export interface CloudCall {
  seq: number;
  action: string;
  /** The ClientToken the call carried (idempotent writes), if any. */
  clientToken?: string;
  /** Wall-clock ms when the call arrived. */
  at: number;
  /** HTTP status the cloud answered; undefined while in flight or when the answer was never given. */
  status?: number;
  /** The proxy cut the call: `before` it reached the cloud, or `after` the cloud ran it (answer lost). */
  cut?: 'before' | 'after';
}

/** Where an armed cut lands: the `nth` call matching `match`, dropped before the cloud or after it ran. */
export interface Cut {
  match: (c: CloudCall) => boolean;
  nth: number;
  when: 'before' | 'after';
  /** Runs at the cut (e.g. SIGKILL the operator and wait for its exit); the client's connection is dropped after. */
  onCut: (c: CloudCall) => Promise<void>;
}

/** Reads and describes calls, not writes: everything else changes the cloud. */
export const isWrite = (action: string): boolean => !/^(Describe|List|Get)/.test(action);

/**
 * A recording HTTP proxy in front of the simulator's endpoint, one per operator process: its log says which
 * process made which cloud call, and an armed cut kills the process at an exact point of a multi-step
 * operation — before a write reaches the cloud, or after the cloud ran it and before the answer arrives.
 * Requests are forwarded byte for byte with their own Host header, so their signatures stay valid.
 */
export class CloudProxy {
  readonly calls: CloudCall[] = [];
  private server: Server | undefined;
  private cut: (Cut & { seen: number; fired?: Promise<void> }) | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: string,
    /** Answers are held this long (calls stay in flight: a slow cloud). */
    private readonly opts: { delayMs?: number } = {},
  ) {}

  /** Starts listening on 127.0.0.1; returns `host:port` (the endpoint to give the operator). */
  async start(): Promise<string> {
    // the typed ECS client sends every parameter, UserData too, in the query string (the simulator allows 256 KB)
    const server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Arms one cut (replacing any armed one); resolves with the cut call once it fired. */
  arm(cut: Cut): Promise<CloudCall> {
    return new Promise((resolve) => {
      this.cut = {
        ...cut,
        seen: 0,
        onCut: async (c) => {
          await cut.onCut(c);
          resolve(c);
        },
      };
    });
  }

  disarm(): void {
    this.cut = undefined;
  }

  /** Calls from `fromSeq` on (the log of one phase). */
  since(fromSeq: number): CloudCall[] {
    return this.calls.filter((c) => c.seq >= fromSeq);
  }

  get nextSeq(): number {
    return this.calls.length;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://proxy');
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(body.toString('utf8'))
      : new URLSearchParams();
    const header = (n: string): string | undefined => {
      const v = req.headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    const action = header('x-acs-action') ?? url.searchParams.get('Action') ?? form.get('Action') ?? '?';
    const token = url.searchParams.get('ClientToken') ?? form.get('ClientToken') ?? undefined;
    const call: CloudCall = {
      seq: this.calls.length,
      action,
      at: Date.now(),
      ...(token ? { clientToken: token } : {}),
    };
    this.calls.push(call);

    let cutHere = false;
    const armed = this.cut;
    if (armed?.match(call)) {
      armed.seen++;
      if (armed.seen === armed.nth) {
        cutHere = true;
        this.cut = undefined;
      }
    }
    if (cutHere && armed?.when === 'before') {
      call.cut = 'before';
      await armed.onCut(call);
      req.socket.destroy();
      return;
    }
    try {
      if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
      const answer = await this.forward(req, body);
      if (cutHere && armed) {
        call.cut = 'after';
        call.status = answer.status;
        await armed.onCut(call);
        req.socket.destroy();
        return;
      }
      call.status = answer.status;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    } catch {
      req.socket.destroy();
    }
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const [host, port] = this.target.split(':');
    return new Promise((resolve, reject) => {
      const out = request(
        { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
        (r) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => {
            const headers: Record<string, string | string[]> = {};
            for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers[k] = v;
            resolve({ status: r.statusCode ?? 502, headers, body: Buffer.concat(parts) });
          });
          r.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }
}
