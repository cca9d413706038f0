/** The quit prompt (`q`): leave the containers running (the default, like `compose up -d`) or take them down. */
import { Box, Text } from 'ink';
import { Tinted } from './Tinted.js';

/** Props: which choice is selected. */
export interface QuitPromptProps {
  readonly takeDown: boolean;
  readonly width: number;
}

/** The two choices, the selected one marked `▸`. */
export function QuitPrompt({ takeDown, width }: QuitPromptProps) {
  const choice = (selected: boolean, key: string, label: string, note: string) => (
    <Text wrap="truncate">
      <Tinted tone={selected ? 'accent' : 'plain'} bold={selected}>
        {selected ? ' ▸ ' : '   '}
        {label}
      </Tinted>
      <Tinted tone="muted">
        {'  '}({key}) {note}
      </Tinted>
    </Text>
  );
  return (
    <Box flexDirection="column" width={width}>
      <Text bold> Quit dockstage?</Text>
      {choice(!takeDown, 'l', 'leave containers running', 'like docker compose up -d')}
      {choice(takeDown, 'd', 'take them down', 'dockstage down: containers and networks removed')}
    </Box>
  );
}
