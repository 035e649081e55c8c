import { createServer } from 'node:net';
import { DevstackError } from './errors.js';

/** Ask the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('could not read the allocated port'));
      });
    });
  });
}

/** Resolve when `port` can be bound on 127.0.0.1; throw a DevstackError naming the port when it is taken. */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new DevstackError(`port ${port} on 127.0.0.1 (${what}) is not free: ${err.code ?? err.message}`, {
          component: what,
          hint: `stop what listens there (\`ss -ltnp 'sport = :${port}'\`) or choose another port`,
        }),
      );
    });
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** Distinct free ports, one per name; `fixed` ones are checked instead of allocated. */
export async function allocatePorts<K extends string>(
  names: readonly K[],
  fixed: Partial<Record<K, number>> = {},
): Promise<Record<K, number>> {
  const out = {} as Record<K, number>;
  const used = new Set<number>();
  for (const name of names) {
    const want = fixed[name];
    if (want !== undefined) {
      if (used.has(want))
        throw new DevstackError(`port ${want} is asked for twice (${name})`, { component: name });
      await assertPortFree(want, name);
      out[name] = want;
    } else {
      let port = await freePort();
      while (used.has(port)) port = await freePort();
      out[name] = port;
    }
    used.add(out[name]);
  }
  return out;
}
