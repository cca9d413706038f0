/**
 * Colour in the terminal UI: on unless `NO_COLOR` is set (https://no-color.org),
 * and `FORCE_COLOR` wins over `NO_COLOR` (chalk, under ink, reads `FORCE_COLOR`
 * for the level itself). Tones map to colours only here; every tone also has
 * its word or symbol on screen, so nothing depends on colour alone.
 */
import type { Tone } from './view-model.js';

/** Whether to colour, from the environment as a lookup (no process.env here). */
export function colorsEnabled(lookup: (name: string) => string | undefined): boolean {
  const force = lookup('FORCE_COLOR');
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  const no = lookup('NO_COLOR');
  return no === undefined || no === '';
}

/** The colour of a tone, or undefined for the terminal's own. */
export function toneColor(tone: Tone): string | undefined {
  switch (tone) {
    case 'ok':
      return 'green';
    case 'warn':
      return 'yellow';
    case 'error':
      return 'red';
    case 'busy':
      return 'cyan';
    case 'muted':
      return 'gray';
    case 'accent':
      return 'magenta';
    case 'plain':
      return undefined;
  }
}
