/**
 * The log pane: the selected service's output or all services' (each line
 * prefixed with its service's name, coloured per service when colour is on),
 * app or build output. Search matches are highlighted in place; the line `n`/
 * `N` jumped to is marked `▶` and other matching lines `›`, so a match is
 * visible without colour.
 */
import { Box, Text } from 'ink';
import type { LogSource } from '../../engine/log-buffer.js';
import { useColors } from '../hooks/use-colors.js';
import type { LogView, LogViewLine } from '../log-view.js';
import type { SearchState } from '../ui-state.js';
import { PaneTitle } from './PaneTitle.js';
import { Tinted } from './Tinted.js';

/** Props: the cut lines and what the title says about them. */
export interface LogPaneProps {
  readonly view: LogView;
  /** The selected service, or undefined for all services. */
  readonly service: string | undefined;
  readonly source: LogSource;
  readonly search: SearchState;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  /** Width of the service-name column in the all-services view. */
  readonly serviceWidth: number;
}

const PALETTE = ['cyan', 'magenta', 'blue', 'green', 'yellow'] as const;

/** The characters left for a line's text after the gutter, the time and (for all services) the name. */
export function logTextWidth(width: number, allServices: boolean, serviceWidth: number): number {
  return Math.max(10, width - 1 - 9 - (allServices ? serviceWidth + 1 : 0));
}

/** `12:01:02` in local time. */
export function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

function serviceColor(name: string): (typeof PALETTE)[number] {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

function LogRow({ line, allServices, serviceWidth }: { readonly line: LogViewLine; readonly allServices: boolean; readonly serviceWidth: number }) {
  const colors = useColors();
  const color = serviceColor(line.service);
  return (
    <Text wrap="truncate">
      <Tinted tone="accent" bold>
        {line.isCurrent ? '▶' : line.hasMatch ? '›' : ' '}
      </Tinted>
      <Tinted tone="muted">{clockTime(line.time)} </Tinted>
      {allServices ? <Text {...(colors ? { color } : {})}>{line.service.slice(0, serviceWidth).padEnd(serviceWidth)} </Text> : null}
      {line.segments.map((segment, i) =>
        segment.match ? (
          <Text key={i} {...(colors ? { backgroundColor: line.isCurrent ? 'magenta' : 'yellow', color: 'black' } : { inverse: true })}>
            {segment.text}
          </Text>
        ) : (
          <Text key={i} {...(colors && line.stream === 'stderr' ? { color: 'yellow' } : {})}>
            {segment.text}
          </Text>
        ),
      )}
    </Text>
  );
}

/** The title line and `height` lines. */
export function LogPane({ view, service, source, search, width, height, focused, serviceWidth }: LogPaneProps) {
  const allServices = service === undefined;
  const title = `logs: ${service ?? 'all services'} · ${source === 'app' ? 'app output' : 'build output'}`;
  const place = view.following ? 'following' : `paused, ↓${view.below} newer (G follows)`;
  const query = search.editing ? `/${search.draft}▏` : search.query === '' ? '' : `/${search.query}`;
  const matches = query === '' ? '' : ` ${view.matches.length} match${view.matches.length === 1 ? '' : 'es'}${search.filterOnly ? ' · filter' : ''}`;
  const right = `${place}${query === '' ? '' : ` · ${query}${matches}`}`;
  const empty = view.lines.length === 0;
  return (
    <Box flexDirection="column" width={width} height={height + 1}>
      <PaneTitle title={title} right={right} width={width} focused={focused} />
      {empty ? (
        <Text dimColor wrap="truncate">
          {'  '}
          {search.filterOnly && search.query !== '' ? `no line matches "${search.query}"` : source === 'build' ? 'no build output yet' : 'no output yet'}
        </Text>
      ) : (
        view.lines.map((line) => <LogRow key={line.seq} line={line} allServices={allServices} serviceWidth={serviceWidth} />)
      )}
    </Box>
  );
}
