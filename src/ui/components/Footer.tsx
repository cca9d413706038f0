/** The footer: the answer to the last key, if any, then the keys of the moment (as many as fit). */
import { Text } from 'ink';
import { fitKeys, type KeyHelp } from '../keys.js';
import { Tinted } from './Tinted.js';

/** Props: the keys, the message and the width. */
export interface FooterProps {
  readonly keys: readonly KeyHelp[];
  readonly message: string | undefined;
  readonly width: number;
}

/** One line. */
export function Footer({ keys, message, width }: FooterProps) {
  const lead = message === undefined ? '' : `› ${message}   `;
  const shown = fitKeys(keys, Math.max(0, width - lead.length - 1));
  return (
    <Text wrap="truncate">
      {message === undefined ? null : <Tinted tone="busy">{lead}</Tinted>}
      {shown.map((key, i) => (
        <Text key={key.keys}>
          {i === 0 ? ' ' : '  '}
          <Tinted tone="accent" bold>
            {key.keys}
          </Tinted>{' '}
          {key.label}
        </Text>
      ))}
    </Text>
  );
}
