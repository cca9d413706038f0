/** The full key table (`?`), in two columns when the terminal is wide enough for both. */
import { Box, Text } from 'ink';
import { KEY_TABLE } from '../keys.js';
import { Tinted } from './Tinted.js';

/** Props: the room. */
export interface HelpOverlayProps {
  readonly width: number;
  readonly height: number;
}

const KEY_WIDTH = Math.max(...KEY_TABLE.flatMap((g) => g.keys.map((k) => k.keys.length)));

function Group({ group }: { readonly group: (typeof KEY_TABLE)[number] }) {
  return (
    <Box flexDirection="column" marginBottom={0}>
      <Tinted tone="accent" bold>
        {group.group}
      </Tinted>
      {group.keys.map((key) => (
        <Text key={key.keys} wrap="truncate">
          {'  '}
          <Tinted bold>{key.keys.padEnd(KEY_WIDTH)}</Tinted> {key.label}
        </Text>
      ))}
    </Box>
  );
}

/** The help, titled, with the groups split in two columns. */
export function HelpOverlay({ width, height }: HelpOverlayProps) {
  const half = Math.ceil(KEY_TABLE.length / 2);
  const columns = width >= 78 ? [KEY_TABLE.slice(0, half), KEY_TABLE.slice(half)] : [KEY_TABLE];
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold> Keys · esc closes</Text>
      <Box flexDirection="row">
        {columns.map((groups, i) => (
          <Box key={i} flexDirection="column" width={Math.floor(width / columns.length)}>
            {groups.map((group) => (
              <Group key={group.group} group={group} />
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
