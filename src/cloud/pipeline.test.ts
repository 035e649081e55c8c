import { describe, expect, it } from '@jest/globals';
import { SystemClock } from '../runtime/clock.js';
import { FakeClock } from '../runtime/fake-clock.js';
import { classify, CloudError, TransientError, type CloudErrorDetails } from './errors.js';
import { RequestPipeline, TokenBucket, type CallInfo } from './pipeline.js';
import { FencedError } from '../runtime/fence.js';

/** The real clock, except that sleeps are recorded and return at once. */
class RecordingClock extends SystemClock {
  readonly sleeps: number[] = [];
  override sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return Promise.resolve();
  }
}

const info: CallInfo = { product: 'ecs', action: 'RunInstances', write: true };
const fail = (d: Partial<CloudErrorDetails>): CloudError =>
  classify({ code: 'X', cloudMessage: 'm', action: 'RunInstances', ...d });
const classifyRaw = (e: unknown): CloudError =>
  e instanceof CloudError
    ? e
    : new TransientError({ code: 'ECONNRESET', cloudMessage: String(e), action: 'RunInstances' });

function pipeline(clock: RecordingClock, over = {}) {
  return new RequestPipeline(classifyRaw, {
    qps: 1000,
    burst: 1000,
    defaultActionQps: 1000,
    maxAttempts: 4,
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    clock,
    random: () => 1,
    ...over,
  });
}

describe('RequestPipeline', () => {
  it('retries throttling, 5xx and network errors with growing backoff, then succeeds', async () => {
    const clock = new RecordingClock();
    const errors = [
      fail({ code: 'Throttling.User', httpStatus: 400 }),
      fail({ code: 'InternalError', httpStatus: 500 }),
      new Error('socket hang up'),
    ];
    let n = 0;
    const r = await pipeline(clock).call(info, () =>
      n < errors.length ? Promise.reject(errors[n++]!) : Promise.resolve('ok'),
    );
    expect(r).toBe('ok');
    expect(n).toBe(3);
    expect(clock.sleeps.filter((ms) => ms >= 100)).toEqual([100, 200, 400]);
  });

  it('never retries a 4xx client error', async () => {
    const clock = new RecordingClock();
    let n = 0;
    const p = pipeline(clock).call(info, () => {
      n++;
      return Promise.reject(fail({ code: 'InvalidParameter', httpStatus: 400 }));
    });
    await expect(p).rejects.toMatchObject({ kind: 'InvalidConfiguration', code: 'InvalidParameter' });
    expect(n).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("waits at least as long as the cloud's x-acs-retry-after", async () => {
    const clock = new RecordingClock();
    let n = 0;
    await pipeline(clock).call(info, () =>
      n++ === 0
        ? Promise.reject(fail({ code: 'Throttling', httpStatus: 400, retryAfterMs: 1500 }))
        : Promise.resolve(1),
    );
    // (then a moment for the action's own bucket, which a throttle empties)
    expect(clock.sleeps[0]).toBe(1500);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const clock = new RecordingClock();
    let n = 0;
    const p = pipeline(clock).call(info, () => {
      n++;
      return Promise.reject(fail({ code: 'ServiceUnavailable', httpStatus: 503 }));
    });
    await expect(p).rejects.toMatchObject({ kind: 'Transient', code: 'ServiceUnavailable' });
    expect(n).toBe(4);
  });

  it('caps the calls in flight', async () => {
    const clock = new RecordingClock();
    const p = pipeline(clock, { maxConcurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        p.call(info, async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setImmediate(r));
          inFlight--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('holds calls to the per-action rate', async () => {
    const clock = new RecordingClock();
    const p = pipeline(clock, { actionQps: { RunInstances: 2 } });
    for (let i = 0; i < 6; i++) await p.call(info, () => Promise.resolve(i));
    // A bucket of 2: two go at once, the next ones wait about half a second each (the recording clock does
    // not advance, so the debt grows).
    expect(clock.sleeps.length).toBe(4);
    expect(clock.sleeps[0]).toBeGreaterThan(400);
    expect(clock.sleeps[3]).toBeGreaterThan(1900);
  });

  it('gives every action its own bucket at the default per-action rate (the cloud throttles each separately)', async () => {
    const clock = new RecordingClock();
    const p = pipeline(clock, { defaultActionQps: 2 });
    for (let i = 0; i < 4; i++) await p.call(info, () => Promise.resolve(i));
    expect(clock.sleeps.length).toBe(2); // the third and fourth call of RunInstances wait
    for (let i = 0; i < 2; i++)
      await p.call({ product: 'ecs', action: 'DescribeInstances' }, () => Promise.resolve(i));
    expect(clock.sleeps.length).toBe(2); // another action is not held by RunInstances' bucket
    expect(p.currentRate('RunInstances')).toBe(2);
    expect(
      pipeline(clock, { defaultActionQps: 2, actionQps: { RunInstances: 5 } }).currentRate('RunInstances'),
    ).toBe(5);
  });
});

describe('TokenBucket', () => {
  it('gives a burst, then one token per 1/rate seconds', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(10, 3, clock);
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 0]);
    expect(b.reserve()).toBeCloseTo(100);
  });

  it('halves its rate when throttled (once a second) and wins it back with successes', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(8, 8, clock);
    b.throttled();
    b.throttled();
    expect(b.currentRate).toBe(4);
    clock.advance(1000);
    b.throttled();
    expect(b.currentRate).toBe(2);
    for (let i = 0; i < 100; i++) b.succeeded();
    expect(b.currentRate).toBe(8);
  });
});

describe('RequestPipeline fenced by a lost leader lease', () => {
  it('starts no attempt once the fence is down', async () => {
    const fence = new AbortController();
    fence.abort();
    let n = 0;
    const p = pipeline(new RecordingClock(), { fence: fence.signal }).call(info, () => {
      n++;
      return Promise.resolve('sent');
    });
    await expect(p).rejects.toBeInstanceOf(FencedError);
    expect(n).toBe(0);
  });

  it('stops waiting for an attempt under way the moment the fence goes down, and retries nothing', async () => {
    const fence = new AbortController();
    let n = 0;
    const p = pipeline(new RecordingClock(), { fence: fence.signal, clock: new SystemClock() }).call(
      info,
      () => {
        n++;
        return new Promise<string>(() => undefined); // an answer that never comes
      },
    );
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(1);
    fence.abort();
    await expect(p).rejects.toMatchObject({
      name: 'FencedError',
      message: expect.stringContaining('ecs RunInstances'),
    });
    expect(n).toBe(1);
  });

  it('a retry waiting out its backoff is not sent once the fence is down', async () => {
    const fence = new AbortController();
    const clock = new FakeClock(0);
    let n = 0;
    const p = pipeline(new RecordingClock(), { fence: fence.signal, clock }).call(info, () => {
      n++;
      return Promise.reject(fail({ code: 'InternalError', httpStatus: 500 }));
    });
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(1);
    fence.abort();
    await expect(p).rejects.toBeInstanceOf(FencedError);
    expect(n).toBe(1);
  });
});
