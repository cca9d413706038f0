/** A pane's title line: `── logs: web ───…`, drawn heavy (`━━`) when the pane has the focus, so focus shows without colour. */
import { Text } from 'ink';
import { Tinted } from './Tinted.js';

/** Props: the title, extra text at the right, the width and whether the pane has the focus. */
export interface PaneTitleProps {
  readonly title: string;
  readonly right?: string;
  readonly width: number;
  readonly focused: boolean;
}

/** One line, exactly `width` wide. */
export function PaneTitle({ title, right = '', width, focused }: PaneTitleProps) {
  const line = focused ? '━' : '─';
  const left = `${line} ${title} `;
  const tail = right === '' ? '' : ` ${right} ${line}`;
  const fill = Math.max(1, width - left.length - tail.length);
  const text = `${left}${line.repeat(fill)}${tail}`;
  return (
    <Text wrap="truncate">
      <Tinted tone={focused ? 'accent' : 'muted'} bold={focused}>
        {text.slice(0, width)}
      </Tinted>
    </Text>
  );
}
