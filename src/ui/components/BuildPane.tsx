/**
 * The build pane: the selected service's stage graph for the active target
 * (stages outside the target's closure dimmed), each stage's live status with
 * a bar while it runs, then why it built or why it waits, then any problem,
 * wrapped to the width (an error is never cut).
 */
import { Box, Text } from 'ink';
import { wrapHanging } from '../text/fit-width.js';
import type { BuildPaneView, StageLine } from '../view-model.js';
import { PaneTitle } from './PaneTitle.js';
import { Tinted } from './Tinted.js';

/** Props: the pane's data (undefined before the project is loaded), the room, the scroll and the focus. */
export interface BuildPaneProps {
  readonly build: BuildPaneView | undefined;
  readonly width: number;
  readonly height: number;
  readonly scroll: number;
  readonly focused: boolean;
}

/** The problem's lines as shown in a pane `width` wide: wrapped inside its two-column margin. */
function problemRows(build: BuildPaneView, width: number): string[] {
  return build.problem.flatMap((line) => wrapHanging(line, Math.max(1, width - 2)));
}

/** The content lines of a build pane `width` wide (for the layout and for scrolling). */
export function buildPaneLines(build: BuildPaneView | undefined, width: number): number {
  if (build === undefined) return 1;
  return Math.max(1, build.stages.length + build.why.length + problemRows(build, width).length);
}

/** `[████░░░░]` for done of total. */
export function progressBar(done: number, total: number, width = 10): string {
  const filled = total <= 0 ? 0 : Math.round((Math.min(done, total) / total) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function StageRow({ stage, labelWidth }: { readonly stage: StageLine; readonly labelWidth: number }) {
  const tone = stage.inTarget ? 'plain' : 'muted';
  return (
    <Text wrap="truncate">
      <Tinted tone={tone} bold={stage.isTarget}>
        {'  '}
        {stage.label.padEnd(labelWidth)}
      </Tinted>
      <Tinted tone="accent">{stage.isTarget ? ' ◀ ' : '   '}</Tinted>
      <Tinted tone={stage.status.tone}>
        {stage.status.symbol} {stage.status.word}
      </Tinted>
      {stage.progress === undefined ? null : <Tinted tone="busy"> {progressBar(stage.progress.done, stage.progress.total)}</Tinted>}
      {stage.extra === '' ? null : <Tinted tone="muted">{`  ${stage.extra}`}</Tinted>}
    </Text>
  );
}

/** The title line and `height` content lines from `scroll`. */
export function BuildPane({ build, width, height, scroll, focused }: BuildPaneProps) {
  if (build === undefined) {
    return (
      <Box flexDirection="column" width={width}>
        <PaneTitle title="build" width={width} focused={focused} />
        <Text dimColor>{'  loading the project…'}</Text>
      </Box>
    );
  }
  const labelWidth = Math.max(0, ...build.stages.map((s) => s.label.length));
  const lines = [
    ...build.stages.map((stage, i) => <StageRow key={`s${i}`} stage={stage} labelWidth={labelWidth} />),
    ...build.why.map((line, i) => (
      <Text key={`w${i}`} wrap="truncate">
        {'  '}
        {line}
      </Text>
    )),
    ...problemRows(build, width).map((line, i) => (
      <Text key={`p${i}`} wrap="truncate">
        <Tinted tone="error">
          {'  '}
          {line}
        </Tinted>
      </Text>
    )),
  ];
  const shown = lines.slice(scroll, scroll + height);
  const hidden = lines.length - scroll - shown.length;
  return (
    <Box flexDirection="column" width={width}>
      <PaneTitle
        title={build.title}
        right={hidden > 0 ? `↓${hidden} more` : scroll > 0 ? `↑${scroll}` : ''}
        width={width}
        focused={focused}
      />
      {shown}
    </Box>
  );
}
