/**
 * The log pane: the selected service's output or all services' (each line
 * prefixed with its service's name, coloured per service when colour is on),
 * app or build output. Search matches are highlighted in place; the line `n`/
 * `N` jumped to is marked `▶` and other matching lines `›`, so a match is
 * visible without colour.
 */
import { Box, Text, Transform } from 'ink';
import type { LogSource } from '../../engine/log-buffer.js';
import { useColors } from '../hooks/use-colors.js';
import { styleLogLine } from '../log-line.js';
import type { LogView, LogViewLine } from '../log-view.js';
import type { SearchState } from '../ui-state.js';
import { PaneTitle } from './PaneTitle.js';

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

/** The characters left for a line's text after the gutter, the time and (for all services) the name. */
export function logTextWidth(width: number, allServices: boolean, serviceWidth: number): number {
  return Math.max(10, width - 1 - 9 - (allServices ? serviceWidth + 1 : 0));
}

function LogRow({
  line,
  allServices,
  serviceWidth,
}: {
  readonly line: LogViewLine;
  readonly allServices: boolean;
  readonly serviceWidth: number;
}) {
  const colors = useColors();
  const { width, styled } = styleLogLine(line, { allServices, serviceWidth, colors });
  // ink measures the blanks (a few distinct widths, cached) and writes the styled line in their place.
  return (
    <Transform transform={() => styled}>
      <Text>{' '.repeat(width)}</Text>
    </Transform>
  );
}

/** The title line and `height` lines. */
export function LogPane({ view, service, source, search, width, height, focused, serviceWidth }: LogPaneProps) {
  const allServices = service === undefined;
  const title = `logs: ${service ?? 'all services'} · ${source === 'app' ? 'app output' : 'build output'}`;
  const place = view.following ? 'following' : `paused, ↓${view.below} newer (G follows)`;
  const query = search.editing ? `/${search.draft}▏` : search.query === '' ? '' : `/${search.query}`;
  const matches =
    query === '' ? '' : ` ${view.matches.length} match${view.matches.length === 1 ? '' : 'es'}${search.filterOnly ? ' · filter' : ''}`;
  const right = `${place}${query === '' ? '' : ` · ${query}${matches}`}`;
  const empty = view.lines.length === 0;
  return (
    <Box flexDirection="column" width={width} height={height + 1}>
      <PaneTitle title={title} right={right} width={width} focused={focused} />
      {empty ? (
        <Text dimColor wrap="truncate">
          {'  '}
          {search.filterOnly && search.query !== ''
            ? `no line matches "${search.query}"`
            : source === 'build'
              ? 'no build output yet'
              : 'no output yet'}
        </Text>
      ) : (
        view.lines.map((line) => <LogRow key={line.seq} line={line} allServices={allServices} serviceWidth={serviceWidth} />)
      )}
    </Box>
  );
}
