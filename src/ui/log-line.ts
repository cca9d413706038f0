/**
 * One log line as the terminal shows it: gutter mark, time, service name (for
 * all services) and the text with search matches highlighted, as plain text
 * (its width) and with SGR styling. The log pane hands the styled string to
 * ink through a Transform whose measured child is only blanks of the same
 * width: ink caches the measure of every distinct text it lays out, forever,
 * so a flood of distinct log lines measured as themselves would grow the heap
 * without bound. Pure.
 */
import type { LogViewLine } from './log-view.js';
import { textWidth } from './text/fit-width.js';

/** How lines are drawn. */
export interface LogLineStyle {
  readonly allServices: boolean;
  readonly serviceWidth: number;
  readonly colors: boolean;
}

const PALETTE = [36, 35, 34, 32, 33] as const;
const sgr = (open: string, text: string, close: string) => `\u001b[${open}m${text}\u001b[${close}m`;

/** `12:01:02` in local time. */
export function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** A stable colour per service name (SGR foreground code). */
export function serviceColor(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** The line's plain text, its width in columns, and the same text styled. */
export function styleLogLine(
  line: LogViewLine,
  style: LogLineStyle,
): { readonly plain: string; readonly width: number; readonly styled: string } {
  const { colors } = style;
  const mark = line.isCurrent ? '▶' : line.hasMatch ? '›' : ' ';
  const time = `${clockTime(line.time)} `;
  const service = style.allServices ? `${line.service.slice(0, style.serviceWidth).padEnd(style.serviceWidth)} ` : '';
  const text = line.segments.map((s) => s.text).join('');
  const plain = `${mark}${time}${service}${text}`;
  const parts = [
    colors && mark !== ' ' ? sgr('1;35', mark, '22;39') : mark,
    colors ? sgr('90', time, '39') : time,
    colors && service !== '' ? sgr(String(serviceColor(line.service)), service, '39') : service,
    ...line.segments.map((segment) => {
      if (segment.match) return colors ? sgr(line.isCurrent ? '30;45' : '30;43', segment.text, '39;49') : sgr('7', segment.text, '27');
      return colors && line.stream === 'stderr' ? sgr('33', segment.text, '39') : segment.text;
    }),
  ];
  return { plain, width: textWidth(plain), styled: parts.join('') };
}
