/**
 * What a terminal smaller than 80×24 shows: how much room the screen needs,
 * then the services as a plain list (name, state, image) as far as it fits.
 * Keys still work; q quits.
 */
import { Box, Text } from 'ink';
import { MIN_COLUMNS, MIN_ROWS, type TerminalSize } from '../layout.js';
import type { ServiceRow } from '../view-model.js';
import { Tinted } from './Tinted.js';

/** Props: the terminal's size and the rows to list. */
export interface TooSmallProps {
  readonly size: TerminalSize;
  readonly rows: readonly ServiceRow[];
}

/** The notice and the plain list. */
export function TooSmall({ size, rows }: TooSmallProps) {
  const room = Math.max(0, size.rows - 3);
  return (
    <Box flexDirection="column" width={size.columns}>
      <Text wrap="truncate">
        <Tinted tone="warn" bold>
          dockstage needs {MIN_COLUMNS}×{MIN_ROWS}
        </Tinted>
        ; this terminal is {size.columns}×{size.rows}.
      </Text>
      <Text wrap="truncate">Enlarge it, or run dockstage watch. q quits.</Text>
      {rows.slice(0, room).map((row) => (
        <Text key={row.name} wrap="truncate">
          {row.selected ? '▸ ' : '  '}
          {row.name} <Tinted tone={row.state.tone}>{`${row.state.symbol} ${row.state.word}`}</Tinted>{' '}
          <Tinted tone={row.image.tone}>{`${row.image.symbol} ${row.image.word}`.trim()}</Tinted>
        </Text>
      ))}
    </Box>
  );
}
