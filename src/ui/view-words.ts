/** The small words and types every part of the TUI's view model uses: tones, badges, ages, durations, sizes. */

/** How a piece of text is coloured when colour is on. Meaning is always in the words and symbols too. */
export type Tone = 'plain' | 'ok' | 'warn' | 'error' | 'busy' | 'muted' | 'accent';

/** A symbol, a word and a tone: `● running`. */
export interface Badge {
  readonly symbol: string;
  readonly word: string;
  readonly tone: Tone;
}

/** The first line of a message (narrow panes show no more). */
export function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** `4s ago`, `3m ago`, `2h ago`. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ago`;
}

/** `2.1s`. */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** `464K`, `8M`, `1.2G`. */
export function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)}G`;
  if (n >= 1024 ** 2) return `${Math.round(n / 1024 ** 2)}M`;
  return `${Math.round(n / 1024)}K`;
}
