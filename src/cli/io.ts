/** Where a command writes: the process's stdout and stderr, or a test's buffers. */
export interface Io {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean | undefined; readonly columns?: number | undefined };
  readonly stderr: { write(text: string): unknown };
}
