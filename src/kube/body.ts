import type { Dispatcher } from 'undici';
import { ReadBufferReleaser } from './buffers.js';

export interface TextResponse {
  status: number;
  text: string;
  /** Network read buffers freed as soon as they were decoded (see ReadBufferReleaser). */
  releasedBuffers: number;
}

/**
 * One request whose body is decoded to text as it arrives, through undici's dispatch API (no fetch, no body
 * stream in between), releasing each socket read's memory once decoded. `dispatcher` must speak HTTP/1.1 with
 * one request in flight per connection (`allowH2: false`, no pipelining): then every read belongs to this
 * response alone. Rejects with the transport error (or the signal's reason); the caller maps HTTP statuses.
 */
export function requestText(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  signal: AbortSignal,
): Promise<TextResponse> {
  return new Promise<TextResponse>((resolve, reject) => {
    const decoder = new TextDecoder();
    const parts: string[] = [];
    const releaser = new ReadBufferReleaser();
    let status = 0;
    let controller: Dispatcher.DispatchController | undefined;
    let done = false;
    const abortError = (): Error =>
      signal.reason instanceof Error ? signal.reason : new Error('the request was aborted');
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ status, text: parts.join(''), releasedBuffers: releaser.released });
    };
    const onAbort = (): void => {
      const err = abortError();
      controller?.abort(err);
      finish(err);
    };
    if (signal.aborted) {
      finish(abortError());
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(opts, {
      onRequestStart(c) {
        controller = c;
        if (signal.aborted) c.abort(abortError());
      },
      onResponseStart(c, statusCode, headers) {
        status = statusCode;
        const encoding = headers['content-encoding'];
        if (encoding !== undefined && encoding !== 'identity') {
          c.abort(new Error(`unexpected content-encoding ${String(encoding)} (identity was asked for)`));
        }
      },
      onResponseData(_c, chunk) {
        parts.push(decoder.decode(chunk, { stream: true }));
        releaser.consumed(chunk);
      },
      onResponseEnd() {
        parts.push(decoder.decode());
        finish(undefined);
      },
      onResponseError(_c, err) {
        finish(err);
      },
    });
  });
}
