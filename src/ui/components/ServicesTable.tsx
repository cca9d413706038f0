/**
 * The services table: one row per service (name, target, state, health,
 * ports, image, last build, checks, CPU, memory), the selection marked `▸`. Columns
 * fit the width; the least needed drop first on a narrow terminal.
 */
import { Box, Text } from 'ink';
import { fit, fitColumns, type ColumnSpec } from '../table.js';
import type { Badge, ServiceRow, Tone } from '../view-model.js';
import { PaneTitle } from './PaneTitle.js';
import { Tinted } from './Tinted.js';

/** Props: the rows, the room, the first row shown and whether the pane has the focus. */
export interface ServicesTableProps {
  readonly rows: readonly ServiceRow[];
  readonly width: number;
  readonly height: number;
  readonly offset: number;
  readonly focused: boolean;
}

const SPECS: readonly ColumnSpec[] = [
  { min: 4, max: 16, drop: 0 },
  { min: 6, max: 18, drop: 0 },
  { min: 9, max: 17, drop: 0 },
  { min: 7, max: 11, drop: 3 },
  { min: 6, max: 18, drop: 4 },
  { min: 8, max: 17, drop: 0 },
  { min: 12, max: 44, drop: 0 },
  { min: 6, max: 24, drop: 2 },
  { min: 3, max: 5, drop: 6 },
  { min: 4, max: 6, drop: 5 },
];

const badge = (b: Badge | undefined) => (b === undefined ? '' : b.symbol === '' ? b.word : `${b.symbol} ${b.word}`);

function cells(row: ServiceRow): { text: string; tone: Tone }[] {
  return [
    { text: row.name, tone: 'plain' },
    { text: row.target, tone: 'plain' },
    { text: badge(row.state), tone: row.state.tone },
    { text: badge(row.health), tone: row.health?.tone ?? 'plain' },
    { text: row.ports, tone: 'plain' },
    { text: badge(row.image), tone: row.image.tone },
    { text: row.lastBuild, tone: 'muted' },
    { text: badge(row.checks), tone: row.checks?.tone ?? 'plain' },
    { text: row.cpu, tone: 'plain' },
    { text: row.memory, tone: 'plain' },
  ];
}

/** The title line and the visible rows. */
export function ServicesTable({ rows, width, height, offset, focused }: ServicesTableProps) {
  const all = rows.map(cells);
  const content = SPECS.map((_, i) => Math.max(0, ...all.map((c) => c[i]!.text.length)));
  const widths = fitColumns(SPECS, content, width - 2);
  const lastVisible = widths.reduce((last, w, i) => (w > 0 ? i : last), 0);
  const shown = rows.slice(offset, offset + height);
  const more = rows.length - offset - shown.length;
  return (
    <Box flexDirection="column" width={width}>
      <PaneTitle
        title={`services (${rows.length})`}
        right={more > 0 || offset > 0 ? `${offset > 0 ? `↑${offset} ` : ''}${more > 0 ? `↓${more}` : ''}`.trim() : ''}
        width={width}
        focused={focused}
      />
      {shown.map((row, index) => (
        <Text key={row.name} wrap="truncate">
          <Tinted tone={row.selected ? 'accent' : 'plain'} bold={row.selected}>
            {row.selected ? '▸ ' : '  '}
          </Tinted>
          {all[offset + index]!.map((cell, i) =>
            widths[i] === 0 ? null : (
              <Tinted key={i} tone={cell.tone} bold={i === 0 && row.selected}>
                {fit(cell.text, widths[i]!)}
                {i < lastVisible ? '  ' : ''}
              </Tinted>
            ),
          )}
        </Text>
      ))}
    </Box>
  );
}
