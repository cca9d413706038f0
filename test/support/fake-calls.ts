/**
 * What every port fake shares: calls recorded as plain values (method and arguments, in order), and knobs a test
 * turns per method: fail (every later call, or only the next), stall (the next call waits on a promise the test
 * settles), or answer some other way. A stalled call that was given an AbortSignal rejects with its reason when it
 * aborts, as the real adapters do, so a test can cancel what it stalled.
 */

/** One call to a fake: the method and its arguments as passed. */
export interface RecordedCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** A call held until the test settles it. */
export interface Stall<T> {
  /** True once the fake was called and is waiting on this stall. */
  readonly called: boolean;
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface StallEntry {
  called: boolean;
  readonly promise: Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The recorder a fake extends; `M` names its methods. */
export class FakeCalls<M extends string> {
  readonly calls: RecordedCall[] = [];
  readonly #failures = new Map<M, { error: unknown; once: boolean }[]>();
  readonly #stalls = new Map<M, StallEntry[]>();
  readonly #answers = new Map<M, (...args: never[]) => unknown>();

  /** The arguments of every call to `method`, in order. */
  callsTo(method: M): (readonly unknown[])[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  /** Every later call to `method` rejects with `error`, until `heal`. */
  fail(method: M, error: unknown): void {
    this.#failures.set(method, [{ error, once: false }]);
  }

  /** The next call to `method` rejects with `error`; later ones answer as before. */
  failNext(method: M, error: unknown): void {
    this.#failures.set(method, [...(this.#failures.get(method) ?? []), { error, once: true }]);
  }

  /** `method` answers again. */
  heal(method: M): void {
    this.#failures.delete(method);
  }

  /** The next call to `method` waits until the test resolves or rejects the stall. */
  stall<T>(method: M): Stall<T> {
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: StallEntry = { called: false, promise, resolve, reject };
    this.#stalls.set(method, [...(this.#stalls.get(method) ?? []), entry]);
    return {
      get called() {
        return entry.called;
      },
      resolve: (value: T) => entry.resolve(value),
      reject: (error: unknown) => entry.reject(error),
    };
  }

  /** `method` answers with `answer` from now on (instead of the fake's own behaviour). */
  answer<A extends unknown[], R>(method: M, answer: (...args: A) => R): void {
    this.#answers.set(method, answer as (...args: never[]) => unknown);
  }

  /**
   * Records the call, then answers it: a failure set for the method, else a stall, else the test's answer, else
   * `fallback` (the fake's own behaviour).
   */
  protected async call<R>(method: M, args: readonly unknown[], fallback: () => R | Promise<R>, signal?: AbortSignal): Promise<R> {
    this.calls.push({ method, args });
    const failures = this.#failures.get(method);
    const failure = failures?.[0];
    if (failure !== undefined) {
      if (failure.once) failures!.shift();
      throw failure.error;
    }
    const stalled = this.#stalls.get(method)?.shift();
    if (stalled !== undefined) {
      stalled.called = true;
      return (await abortable(stalled.promise, signal)) as R;
    }
    const answer = this.#answers.get(method) as ((...args: readonly unknown[]) => R | Promise<R>) | undefined;
    return answer === undefined ? fallback() : answer(...args);
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
