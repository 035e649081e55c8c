import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import type { Cloud, Instance, LifecycleEvent } from './cloud.js';
import { ApiError } from './errors.js';
import { faultRuleSchema, type Faults, throttleSchema } from './faults.js';
import { NodeFaultTargetError, nodeFaultSchema, type NodeFaults } from './node-faults.js';
import type { ActionCounter, LatencyRecorder } from './server.js';
import { publishImage, publishImageSchema } from './images.js';
import { reclaimSpot, scheduleSystemEvent, SYSTEM_EVENT_TYPES } from './system-events.js';
import { worldToYaml } from './world.js';

const stockSchema = z.object({
  regionId: z.string().optional(),
  zoneId: z.string(),
  instanceType: z.string(),
  onDemand: z.number().int().nonnegative().optional(),
  spot: z.number().int().nonnegative().optional(),
});
export type StockChange = z.infer<typeof stockSchema>;

const systemEventSchema = z.object({
  type: z.enum(SYSTEM_EVENT_TYPES),
  inSeconds: z.number().nonnegative().default(300),
  reason: z.string().optional(),
  /** Inquiring until AcceptInquiredSystemEvent (or its NotBefore), instead of Scheduled. */
  inquiring: z.boolean().default(false),
});
const reclaimSchema = z.object({ noticeSeconds: z.number().nonnegative().default(300) });
const clockSchema = z.object({ scale: z.number().positive().max(10_000) });

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new AdminError(400, `${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** The instance stops responding (it stays Running, so ESS's health check passes it); the feed says `failed` once. */
export function failInstance(cloud: Cloud, inst: Instance): void {
  if (inst.failed) return;
  inst.failed = true;
  cloud.emit('failed', inst);
}

/** Sets the stock of one type in one zone (the library form of PUT /stock). */
export function setStock(cloud: Cloud, change: StockChange): void {
  const region = cloud.world.regions.find(
    (r) => r.regionId === (change.regionId ?? change.zoneId.replace(/-[a-z]$/, '')),
  );
  const zone = region?.zones.find((z) => z.zoneId === change.zoneId);
  if (!zone) throw new AdminError(404, `zoneId: ${change.zoneId} is not in the world`);
  if (!cloud.instanceType(change.instanceType))
    throw new AdminError(404, `instanceType: ${change.instanceType} is not in the catalogue`);
  const o = (zone.offerings[change.instanceType] ??= { onDemand: 0, spot: 0 });
  if (change.onDemand !== undefined) o.onDemand = change.onDemand;
  if (change.spot !== undefined) o.spot = change.spot;
}

export interface AdminDeps {
  cloud: Cloud;
  faults: Faults;
  nodeFaults: NodeFaults;
  latency: LatencyRecorder;
  calls?: ActionCounter;
  log: Logger;
}

/** The admin HTTP API (JSON on 127.0.0.1): world, instances, lifecycle feed, faults, stock, events, clock. */
/** CPU time the simulator's process used since `from` (ms, user and system). */
function cpuSince(from: NodeJS.CpuUsage): { user: number; system: number } {
  const d = process.cpuUsage(from);
  return { user: d.user / 1000, system: d.system / 1000 };
}

export class AdminServer {
  private server: Server | undefined;
  private readonly waiters = new Set<() => void>();
  /** Process CPU time at the last `/stats/reset` (the figures' server-side CPU per request). */
  private cpuAtReset = process.cpuUsage();

  constructor(private readonly deps: AdminDeps) {}

  async listen(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AdminError(400, 'body: not JSON');
    }
  }

  private async eventsAfter(since: number, waitMs: number): Promise<LifecycleEvent[]> {
    const { cloud } = this.deps;
    const pick = (): LifecycleEvent[] => cloud.recentEvents.filter((e) => e.seq > since);
    const now = pick();
    if (now.length > 0 || waitMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        cloud.feed.off('lifecycle', done);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, waitMs);
      cloud.feed.on('lifecycle', done);
      this.waiters.add(done);
    });
    return pick();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { cloud, faults, latency, calls } = this.deps;
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      const text = type === 'application/json' ? JSON.stringify(body) : String(body);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      let m: RegExpExecArray | null;
      if (method === 'GET' && path === '/health')
        return send(200, { ok: true, simulatedTime: new Date(cloud.clock.now()).toISOString() });
      if (method === 'GET' && path === '/world') {
        return url.searchParams.get('format') === 'yaml'
          ? send(200, worldToYaml(cloud.world), 'application/yaml')
          : send(200, cloud.world);
      }
      if (method === 'GET' && path === '/instances')
        return send(200, { instances: [...cloud.instances.values()] });
      if (method === 'GET' && path === '/events') {
        const since = Number(url.searchParams.get('since') ?? '0');
        const waitMs = Math.min(60_000, Number(url.searchParams.get('waitMs') ?? '0'));
        if (!Number.isFinite(since) || !Number.isFinite(waitMs))
          throw new AdminError(400, 'since, waitMs: numbers');
        return send(200, { events: await this.eventsAfter(since, waitMs) });
      }
      if (method === 'GET' && path === '/stats') {
        return send(200, {
          latencyMs: latency.summary(),
          calls: calls?.snapshot() ?? {},
          instances: cloud.instances.size,
          memory: process.memoryUsage(),
          cpuMs: cpuSince(this.cpuAtReset),
        });
      }
      if (method === 'POST' && path === '/stats/reset') {
        latency.reset();
        calls?.reset();
        this.cpuAtReset = process.cpuUsage();
        return send(200, { ok: true });
      }
      if (path === '/faults') {
        if (method === 'GET') return send(200, { faults: faults.list(), throttles: faults.throttles() });
        if (method === 'POST') return send(201, faults.add(parse(faultRuleSchema, await this.body(req))));
        if (method === 'DELETE') {
          faults.clear();
          return send(200, { ok: true });
        }
      }
      if (method === 'DELETE' && (m = /^\/faults\/([^/]+)$/.exec(path))) {
        return faults.remove(m[1] ?? '')
          ? send(200, { ok: true })
          : send(404, { error: `fault ${m[1]} not found` });
      }
      if (method === 'PUT' && path === '/throttles') {
        const t = parse(throttleSchema, await this.body(req));
        faults.throttle(t.action, t.qps);
        return send(200, { throttles: faults.throttles() });
      }
      if (method === 'DELETE' && (m = /^\/throttles\/([^/]+)$/.exec(path))) {
        faults.throttle(decodeURIComponent(m[1] ?? ''), undefined);
        return send(200, { throttles: faults.throttles() });
      }
      if (path === '/read-lag') {
        if (method === 'PUT') {
          const { seconds } = parse(z.object({ seconds: z.number().min(0).max(3600) }), await this.body(req));
          cloud.readLag.set(seconds);
        }
        if (method === 'PUT' || method === 'GET') return send(200, { seconds: cloud.readLag.seconds });
      }
      if (path === '/node-faults' && method === 'POST') {
        const body = parse(nodeFaultSchema, await this.body(req));
        try {
          return send(
            201,
            this.deps.nodeFaults.add(body, (id) => cloud.instances.has(id)),
          );
        } catch (err) {
          if (err instanceof NodeFaultTargetError) throw new AdminError(404, `instanceId: ${err.message}`);
          throw err;
        }
      }
      if (path === '/node-faults' && method === 'GET') return send(200, this.deps.nodeFaults.list());
      if (path === '/node-faults' && method === 'DELETE') {
        this.deps.nodeFaults.clear();
        return send(200, { ok: true });
      }
      if (method === 'DELETE' && (m = /^\/node-faults\/([^/]+)$/.exec(path))) {
        const id = decodeURIComponent(m[1] ?? '');
        return this.deps.nodeFaults.remove(id)
          ? send(200, { ok: true })
          : send(404, { error: `node fault ${id} not found` });
      }
      if (method === 'PUT' && path === '/stock') {
        setStock(cloud, parse(stockSchema, await this.body(req)));
        return send(200, { ok: true });
      }
      if (method === 'POST' && path === '/images') {
        const image = publishImage(cloud, parse(publishImageSchema, await this.body(req)));
        return send(201, image);
      }
      if (method === 'GET' && path === '/images') {
        const family = url.searchParams.get('family');
        const all = cloud.world.regions.flatMap((r) => r.images.map((i) => ({ regionId: r.regionId, ...i })));
        return send(200, family ? all.filter((i) => i.imageFamily === family) : all);
      }
      if (method === 'PUT' && path === '/clock') {
        cloud.clock.setScale(parse(clockSchema, await this.body(req)).scale);
        return send(200, { scale: cloud.clock.scale });
      }
      if (method === 'POST' && (m = /^\/instances\/([^/]+)\/(reclaim|fail|system-events)$/.exec(path))) {
        const id = decodeURIComponent(m[1] ?? '');
        const inst = cloud.instances.get(id);
        if (!inst) throw new AdminError(404, `instance ${id} not found`);
        if (m[2] === 'reclaim') {
          reclaimSpot(cloud, id, parse(reclaimSchema, await this.body(req)).noticeSeconds);
          return send(200, { ok: true });
        }
        if (m[2] === 'fail') {
          failInstance(cloud, inst);
          return send(200, { ok: true });
        }
        const e = parse(systemEventSchema, await this.body(req));
        return send(
          201,
          scheduleSystemEvent(cloud, id, e.type, e.inSeconds, e.reason, { inquiring: e.inquiring }),
        );
      }
      send(404, { error: `no admin route ${method} ${path}` });
    } catch (err) {
      if (err instanceof AdminError) return send(err.status, { error: err.message });
      if (err instanceof ApiError) return send(400, { error: err.message, code: err.code });
      if (err instanceof z.ZodError) return send(400, { error: err.message });
      this.deps.log.error({ err }, 'admin request failed');
      send(500, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
