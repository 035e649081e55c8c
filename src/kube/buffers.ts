import { isArrayBuffer } from 'node:util/types';

/**
 * Frees the memory of network read buffers as soon as a response body has been decoded out of them, instead of
 * whenever the garbage collector gets round to them.
 *
 * Why: a 50,000-Pod list is ~150 MB of JSON arriving in ~4 KB socket reads. Each read is a separate malloc'd
 * ArrayBuffer that V8 frees only at a GC it schedules by external-memory pressure (about 64 MB), so tens of MB of
 * dead buffers pile up between collections and glibc keeps that high-water mark as process RSS long after they
 * are freed. Detaching a buffer (`ArrayBuffer.prototype.transfer(0)`) releases its memory at once.
 *
 * Detaching is only safe for a buffer nobody else still reads. The caller guarantees the response arrives over
 * an HTTP/1.1 connection with one request in flight (so every socket read belongs to this response alone) and
 * hands over each body chunk synchronously, in order, as the parser delivers it. On top of that, a buffer is
 * released only when all of these hold:
 * - the parser has moved on: a later chunk came from a different buffer (views of one socket read are
 *   delivered together, so none of the earlier buffer's bytes are still to come);
 * - it is not the first buffer of the body, which also carries the response headers (undici keeps those as views);
 * - one chunk covered more than half of it, so it cannot be Node's shared small-Buffer pool (`Buffer.allocUnsafe`
 *   and `Buffer.concat` carve only allocations smaller than half the pool out of it);
 * - it is a plain, fixed-length ArrayBuffer not already detached.
 * The last buffer of a body is never released (it is left to the GC).
 */
export class ReadBufferReleaser {
  private current: ArrayBuffer | undefined;
  /** `current` is not the buffer that carried the headers. */
  private notFirst = false;
  /** A chunk covered more than half of `current`: it is not the shared Buffer pool. */
  private big = false;
  private seenAny = false;
  /** How many buffers were released (for tests and figures). */
  released = 0;

  /** Call once the bytes of `chunk` have been copied out (decoded). */
  consumed(chunk: Uint8Array): void {
    const buf = isArrayBuffer(chunk.buffer) ? chunk.buffer : undefined; // never a SharedArrayBuffer
    if (buf !== this.current || !this.seenAny) {
      if (this.current && this.notFirst && this.big) this.release(this.current);
      this.current = buf;
      this.notFirst = this.seenAny;
      this.big = false;
      this.seenAny = true;
    }
    if (buf && chunk.byteLength * 2 > buf.byteLength) this.big = true;
  }

  private release(buf: ArrayBuffer): void {
    if (buf.detached || buf.resizable) return;
    buf.transfer(0);
    this.released++;
  }
}
