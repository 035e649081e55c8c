import { describe, expect, test } from '@jest/globals';
import { ReadBufferReleaser } from './buffers.js';

/** A socket read of `n` bytes and the views a parser would hand over from it. */
const read = (n: number): ArrayBuffer => new ArrayBuffer(n);
const view = (buf: ArrayBuffer, offset: number, length: number): Uint8Array =>
  new Uint8Array(buf, offset, length);

describe('ReadBufferReleaser', () => {
  test('releases a read once the parser has moved on to the next one, never the first or the last', () => {
    const r = new ReadBufferReleaser();
    const [a, b, c, d] = [read(4200), read(8200), read(8200), read(8200)];
    r.consumed(view(a, 100, 4100)); // headers + first body bytes
    r.consumed(view(b, 6, 5000));
    r.consumed(view(b, 5012, 3000)); // two HTTP chunks in one read
    expect(b.detached).toBe(false); // still being read
    r.consumed(view(c, 6, 8000));
    expect(a.detached).toBe(false); // carried the headers
    expect(b.detached).toBe(true);
    r.consumed(view(d, 6, 8000));
    expect(c.detached).toBe(true);
    expect(d.detached).toBe(false); // the last one is left to the GC
    expect(r.released).toBe(2);
  });

  test('never releases the shared Buffer pool (chunks that are small slices of a larger buffer)', () => {
    const r = new ReadBufferReleaser();
    const pooled = Buffer.concat([Buffer.from('x'.repeat(60)), Buffer.from('x'.repeat(40))]); // carved from the pool
    expect(pooled.buffer.byteLength).toBeGreaterThan(200);
    const first = read(5000);
    r.consumed(view(first, 0, 5000));
    r.consumed(pooled);
    r.consumed(view(read(5000), 0, 5000));
    expect(pooled.buffer.detached).toBe(false);
    expect(pooled.toString()).toBe('x'.repeat(100));
    expect(r.released).toBe(0);
  });

  test('a buffer detached elsewhere is left alone', () => {
    const r = new ReadBufferReleaser();
    const [a, b, c] = [read(5000), read(5000), read(5000)];
    r.consumed(view(a, 0, 5000));
    r.consumed(view(b, 0, 5000));
    b.transfer(0);
    r.consumed(view(c, 0, 5000));
    expect(r.released).toBe(0);
  });
});
