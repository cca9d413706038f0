/**
 * Colour on and off, with the terminal able to show it (FORCE_COLOR set before
 * ink loads): search matches are highlighted in place either way (a yellow
 * background with colour, reverse video without), and with colour off no
 * colour code is written at all (NO_COLOR).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { LogBuffer } from '../../../../src/engine/log-buffer.js';
import { createStore } from '../../../../src/engine/store.js';
import { running } from '../../../support/tui-states.js';
import { waitFor } from '../../../support/wait.js';

const previous = process.env['FORCE_COLOR'];
process.env['FORCE_COLOR'] = '1';
afterAll(() => {
  if (previous === undefined) delete process.env['FORCE_COLOR'];
  else process.env['FORCE_COLOR'] = previous;
});
const { render } = await import('ink-testing-library');
const { App } = await import('../../../../src/ui/components/App.js');

const NOW = 14_000;
// SGR colour codes: foreground 30–37/90–97, background 40–47/100–107 (not bold, dim or reverse).
const COLOUR = /\u001b\[(?:3[0-7]|9[0-7]|4[0-7]|10[0-7])m/;

async function searched(colors: boolean): Promise<string> {
  const logs = new LogBuffer();
  logs.append('api', 'app', 'stdout', 'request failed: timeout', NOW - 2);
  logs.append('api', 'app', 'stdout', 'request ok', NOW - 1);
  const instance = render(
    <App
      store={createStore(running())}
      logs={logs}
      now={() => NOW}
      colors={colors}
      size={{ columns: 80, rows: 24 }}
      onShell={() => undefined}
      onQuit={() => undefined}
    />,
  );
  await waitFor(() => instance.lastFrame()?.includes('request ok'));
  instance.stdin.write('/failed');
  await waitFor(() => instance.lastFrame()?.includes('1 match'));
  instance.stdin.write('\r');
  const frame = await waitFor(() => instance.lastFrame()?.includes('/failed 1 match') && instance.lastFrame());
  instance.unmount();
  return frame;
}

describe('colours', () => {
  test('with colour, a match has a coloured background and states are coloured', async () => {
    // Given colour on, When a search matches, Then the match is on a background colour
    const frame = await searched(true);
    expect(frame).toMatch(/\u001b\[4\dm(?:\u001b\[30m)?failed/);
    expect(frame).toMatch(/\u001b\[32m● running/);
  });

  test('NO_COLOR: not one colour code, the match in reverse video, the state still in words', async () => {
    // Given colour off, When a search matches
    const frame = await searched(false);
    // Then
    expect(frame).not.toMatch(COLOUR);
    expect(frame).toContain('\u001b[7mfailed');
    expect(frame).toContain('● running');
  });
});
