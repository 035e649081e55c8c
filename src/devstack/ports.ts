import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { DevstackError } from './errors.js';

/**
 * The kernel's ephemeral port range (the ports it gives outgoing connections and `listen(0)`), from
 * /proc/sys/net/ipv4/ip_local_port_range; Linux's default when it cannot be read.
 */
export function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // not Linux, or no /proc
  }
  return [32768, 60999];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server to listen on, chosen at random **below** the ephemeral range:
 * a port the kernel hands out with listen(0) can be taken by any outgoing connection (a kubectl, a test's
 * HTTP client) between the check and the component's own bind, which is a real race on a busy machine.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralLow - 1);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canBind(port)) return port;
  }
  throw new DevstackError(`no free TCP port found on 127.0.0.1 between ${low} and ${high}`, {
    component: 'ports',
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

/**
 * Distinct free ports, one per name; `fixed` ones are checked instead of allocated; `preferred` ones (those a
 * previous run used, so that its kubeconfigs stay valid) are taken when they are still free, else replaced.
 */
export async function allocatePorts<K extends string>(
  names: readonly K[],
  fixed: Partial<Record<K, number>> = {},
  preferred: Partial<Record<K, number>> = {},
): Promise<Record<K, number>> {
  const out = {} as Record<K, number>;
  const used = new Set<number>();
  const wanted = new Set(Object.values<number | undefined>(fixed));
  for (const name of names) {
    const want = fixed[name];
    const hope = preferred[name];
    if (want !== undefined) {
      if (used.has(want))
        throw new DevstackError(`port ${want} is asked for twice (${name})`, { component: name });
      await assertPortFree(want, name);
      out[name] = want;
    } else if (hope !== undefined && !used.has(hope) && !wanted.has(hope) && (await canBind(hope))) {
      out[name] = hope;
    } else {
      let port = await freePort();
      while (used.has(port) || wanted.has(port)) port = await freePort();
      out[name] = port;
    }
    used.add(out[name]);
  }
  return out;
}
