// Abort plumbing shared by the JS executors: a cancelled profile rejects with
// Errors.cancelled() after the caller-supplied teardown has been started.
import { Errors, ProfileError } from '../../shared/errors';

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw Errors.cancelled();
}

/** Settles like `p`, unless `signal` aborts first: then runs `onAbort` and rejects with Errors.cancelled(). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => unknown): Promise<T> {
  if (signal.aborted) {
    void Promise.resolve().then(onAbort);
    p.catch(() => undefined);
    return Promise.reject(Errors.cancelled());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      try {
        void Promise.resolve(onAbort()).catch(() => undefined);
      } finally {
        p.catch(() => undefined);
        reject(Errors.cancelled());
      }
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

/** What a profile rethrows: after a cancel, any failure it caused is the cancel itself; a real error (Redis went away) stays. */
export function cancelledOr(e: unknown, signal: AbortSignal): unknown {
  return signal.aborted && !(e instanceof ProfileError && e.code !== 'cancelled') ? Errors.cancelled() : e;
}
