/** Text in a tone: coloured when colour is on, else plain (muted text dimmed). The words carry the meaning either way. */
import { Text } from 'ink';
import type { ReactNode } from 'react';
import { useColors } from '../hooks/use-colors.js';
import { toneColor } from '../theme.js';
import type { Tone } from '../view-model.js';

/** Props: the tone, and bold/inverse/underline, which are not colour and stay on without it. */
export interface TintedProps {
  readonly tone?: Tone;
  readonly bold?: boolean;
  readonly inverse?: boolean;
  readonly underline?: boolean;
  readonly children?: ReactNode;
}

/** A span of text in a tone. */
export function Tinted({ tone = 'plain', bold, inverse, underline, children }: TintedProps) {
  const colors = useColors();
  const color = colors ? toneColor(tone) : undefined;
  return (
    <Text
      {...(color === undefined ? {} : { color })}
      dimColor={!colors && tone === 'muted'}
      bold={bold === true}
      inverse={inverse === true}
      underline={underline === true}
    >
      {children}
    </Text>
  );
}
