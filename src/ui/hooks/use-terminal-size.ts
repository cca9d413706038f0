/** The terminal's size, live: re-renders when the terminal is resized. */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { TerminalSize } from '../layout.js';

/** Columns and rows of ink's stdout (80×24 when it does not say, as with a pipe). */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
