import { describe, expect, test } from '@jest/globals';
import { createServer } from 'node:net';
import { DevstackError } from './errors.js';
import { allocatePorts, assertPortFree, ephemeralRange } from './ports.js';

describe('ports', () => {
  test('allocates distinct free ports, outside the range the kernel gives outgoing connections', async () => {
    const p = await allocatePorts(['a', 'b', 'c', 'd'] as const);
    expect(new Set(Object.values(p)).size).toBe(4);
    const [ephemeralLow] = ephemeralRange();
    for (const port of Object.values(p)) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralLow);
      await assertPortFree(port, 'x');
    }
  });

  test('a taken port is reported by number and by what wanted it', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const addr = srv.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const err = await allocatePorts(['etcd', 'apiserver'] as const, { apiserver: port }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DevstackError);
      expect((err as DevstackError).message).toBe(
        `port ${port} on 127.0.0.1 (apiserver) is not free: EADDRINUSE`,
      );
      expect((err as DevstackError).details.hint).toContain(`:${port}`);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  test('the same fixed port for two components is refused', async () => {
    await expect(allocatePorts(['a', 'b'] as const, { a: 40123, b: 40123 })).rejects.toThrow(
      /asked for twice/,
    );
  });

  test('preferred ports are taken while free, and replaced when taken', async () => {
    const first = await allocatePorts(['a', 'b'] as const);
    const again = await allocatePorts(['a', 'b'] as const, {}, first);
    expect(again).toEqual(first);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(first.a, '127.0.0.1', r));
    try {
      const moved = await allocatePorts(['a', 'b'] as const, {}, first);
      expect(moved.b).toBe(first.b);
      expect(moved.a).not.toBe(first.a);
      await assertPortFree(moved.a, 'a');
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
