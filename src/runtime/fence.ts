/**
 * Fencing: once this replica has lost its Lease another one may be acting, so from that moment it must not
 * change anything — not the cloud, not the API server. The leader elector aborts one AbortSignal (the fence)
 * the instant it knows; the cloud pipeline and the Kubernetes client refuse every request started after that
 * with a FencedError and stop waiting on those under way (a request already on the wire cannot be called back;
 * nothing new is sent). A FencedError is not a cloud or API error: callers must not turn it into status.
 */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  constructor(what: string) {
    super(`${what}: refused, this replica lost its leader lease`);
  }
}

/** Throws a FencedError when the fence is down. */
export function assertNotFenced(fence: AbortSignal | undefined, what: string): void {
  if (fence?.aborted) throw new FencedError(what);
}

/**
 * `p`, or a FencedError as soon as the fence goes down while it is pending (the caller stops waiting; `p` itself
 * runs on and its outcome is dropped).
 */
export function raceFence<T>(p: Promise<T>, fence: AbortSignal | undefined, what: string): Promise<T> {
  if (!fence) return p;
  if (fence.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new FencedError(what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new FencedError(what));
    fence.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        fence.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        fence.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
