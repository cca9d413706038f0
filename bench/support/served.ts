/**
 * "Served" as the benchmark defines it: an HTTP GET of `/` on 127.0.0.1:PORT
 * answers the expected message. The clock stops at the first such answer.
 */
import http from 'node:http';

/** One short GET; resolves to the body, or undefined when nothing answers in time (refused, reset, timeout). */
export function fetchBody(port: number, timeoutMs = 250): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/**
 * Polls every `intervalMs` (a new GET no sooner than that after the last one started) until the body is `message`;
 * resolves to `performance.now()` at that answer, rejects after `timeoutMs`.
 */
export async function waitUntilServed(port: number, message: string, options: { timeoutMs: number; intervalMs?: number }): Promise<number> {
  const interval = options.intervalMs ?? 10;
  const deadline = performance.now() + options.timeoutMs;
  let last: string | undefined;
  for (;;) {
    const started = performance.now();
    last = await fetchBody(port);
    if (last !== undefined && last.trim() === message) return performance.now();
    if (performance.now() > deadline) {
      throw new Error(
        `port ${port} did not serve '${message}' within ${options.timeoutMs} ms (last answer: ${last === undefined ? 'none' : JSON.stringify(last.trim())})`,
      );
    }
    const wait = interval - (performance.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
