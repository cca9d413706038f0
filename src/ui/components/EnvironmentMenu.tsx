/** The environment menu (`e`): pick one, then confirm; the switch itself then shows in the header. */
import { Box, Text } from 'ink';
import { Tinted } from './Tinted.js';

/** Props: the environments (active marked), the cursor, and the one being confirmed. */
export interface EnvironmentMenuProps {
  readonly environments: readonly { readonly name: string; readonly active: boolean }[];
  readonly cursor: number;
  readonly confirming: string | undefined;
  readonly width: number;
}

/** The menu, or the confirmation for the picked environment. */
export function EnvironmentMenu({ environments, cursor, confirming, width }: EnvironmentMenuProps) {
  if (confirming !== undefined) {
    return (
      <Box flexDirection="column" width={width}>
        <Text bold> Switch to {confirming}?</Text>
        <Text wrap="truncate">{`   Targets of ${confirming} that are stale are built first; then only containers whose image`}</Text>
        <Text wrap="truncate">{'   changes are replaced. The current containers keep serving until then.'}</Text>
        <Text>
          {'   '}
          <Tinted tone="accent" bold>
            y/enter
          </Tinted>{' '}
          switch{'   '}
          <Tinted tone="accent" bold>
            n/esc
          </Tinted>{' '}
          back
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={width}>
      <Text bold> Environment</Text>
      {environments.map((env, i) => (
        <Text key={env.name} wrap="truncate">
          <Tinted tone={i === cursor ? 'accent' : 'plain'} bold={i === cursor}>
            {i === cursor ? ' ▸ ' : '   '}
            {env.name}
          </Tinted>
          {env.active ? <Tinted tone="ok">{'  (active)'}</Tinted> : null}
        </Text>
      ))}
    </Box>
  );
}
