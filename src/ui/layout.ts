/**
 * How the screen's rows are shared: header, services, build pane, logs and
 * footer, from the terminal size and what there is to show. The services and
 * build panes take what they need up to a share of the room; the logs take the
 * rest. Pure, so sizes are tested without a terminal.
 */

/** The smallest terminal the full screen fits. */
export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

/** A terminal size. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** What the layout needs to know about the content. */
export interface LayoutContent {
  readonly services: number;
  readonly selectedIndex: number;
  /** Lines of the build pane's content (stages, why, problem). */
  readonly buildLines: number;
  /** 1, or 2 when a second header line (switch, last error) shows. */
  readonly headerLines: number;
  readonly detail: boolean;
}

/** Rows per part; `serviceOffset` is the first service row shown (the selection stays in view). */
export interface Layout {
  readonly tooSmall: boolean;
  readonly headerRows: number;
  readonly serviceRows: number;
  readonly serviceOffset: number;
  readonly buildRows: number;
  readonly logRows: number;
}

/** Shares the rows. Each pane has a title line; the footer is one line. */
export function layout(size: TerminalSize, content: LayoutContent): Layout {
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
  const fixed = content.headerLines + 3 + 1;
  const room = Math.max(0, size.rows - fixed);
  const minLogs = 3;
  const serviceRows = Math.max(1, Math.min(content.services, Math.max(3, Math.floor(room * 0.35))));
  const left = room - serviceRows;
  const buildCap = content.detail ? left - minLogs : Math.max(3, Math.floor(left * 0.45));
  const buildRows = Math.max(1, Math.min(content.buildLines, buildCap));
  const logRows = Math.max(minLogs, left - buildRows);
  const serviceOffset = Math.max(0, Math.min(content.selectedIndex - serviceRows + 1, content.services - serviceRows));
  return { tooSmall, headerRows: content.headerLines, serviceRows, serviceOffset, buildRows, logRows };
}
