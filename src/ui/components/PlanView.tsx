/** The plan view (`p`): for each service, what an edit would trigger and why. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { PlanEntry } from '../plan-view.js';
import { Tinted } from './Tinted.js';

/** Props: the entries and the room. */
export interface PlanViewProps {
  readonly entries: readonly PlanEntry[];
  readonly width: number;
  readonly height: number;
}

/** Services with their lines, cut to the height with a count of what did not fit. */
export function PlanView({ entries, width, height }: PlanViewProps) {
  const lines: { key: string; node: ReactNode }[] = [
    { key: 'title', node: <Text bold> Plan: what an edit would trigger · esc closes</Text> },
  ];
  for (const entry of entries) {
    lines.push({
      key: entry.name,
      node: (
        <Text wrap="truncate">
          {' '}
          <Tinted tone="accent" bold>
            {entry.name}
          </Tinted>{' '}
          {entry.summary}
        </Text>
      ),
    });
    entry.lines.forEach((line, i) => lines.push({ key: `${entry.name}${i}`, node: <Text wrap="truncate">{`   ${line}`}</Text> }));
  }
  const room = Math.max(1, height);
  const shown =
    lines.length > room
      ? [
          ...lines.slice(0, room - 1),
          { key: 'more', node: <Text dimColor>{`   … ${lines.length - room + 1} more lines (a taller terminal shows them)`}</Text> },
        ]
      : lines;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((line) => (
        <Box key={line.key}>{line.node}</Box>
      ))}
    </Box>
  );
}
