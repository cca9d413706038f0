/**
 * The header: project, environments (the active one in brackets), the engine,
 * the builder and the watch state; a second line while an environment switch
 * runs or after an error.
 */
import { Box, Text } from 'ink';
import type { HeaderView } from '../view-model.js';
import { Tinted } from './Tinted.js';

/** Props: the header's data and the width. */
export interface HeaderProps {
  readonly header: HeaderView;
  readonly width: number;
}

/** How many lines the header takes for this data (1 or 2). */
export function headerLines(header: HeaderView): number {
  return header.switching !== undefined || header.lastError !== undefined ? 2 : 1;
}

/** The header lines. */
export function Header({ header, width }: HeaderProps) {
  const engine = header.engine;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Tinted tone="accent" bold>
          {' dockstage '}
        </Tinted>
        <Text bold> {header.project} </Text>
        <Text> env: </Text>
        {header.environments.map((env) => (
          <Text key={env.name}>
            {env.active ? (
              <Tinted tone="ok" bold>
                [{env.name}]
              </Tinted>
            ) : (
              <Tinted tone="muted">{env.name}</Tinted>
            )}{' '}
          </Text>
        ))}
        <Text> </Text>
        <Tinted tone={header.watch.tone}>
          {header.watch.symbol} {header.watch.word}
        </Tinted>
        <Text>{'  '}</Text>
        <Tinted tone={engine.tone}>{engine.symbol === '' ? engine.word : `${engine.symbol} ${engine.word}`}</Tinted>
        <Tinted tone="muted"> · buildx {header.builder}</Tinted>
      </Text>
      {headerLines(header) === 2 ? (
        <Text wrap="truncate">
          {header.switching === undefined ? null : (
            <Tinted tone={header.switching.tone} bold>
              {' '}
              switching {header.switching.symbol} {header.switching.word}
              {'   '}
            </Tinted>
          )}
          {header.lastError === undefined ? null : <Tinted tone="error"> ! last error: {header.lastError}</Tinted>}
        </Text>
      ) : null}
    </Box>
  );
}
