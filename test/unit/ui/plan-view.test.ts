/** The plan view and the colour switch, on literal inputs. */
import { describe, expect, test } from 'vitest';
import { planView } from '../../../src/ui/plan-view.js';
import { colorsEnabled } from '../../../src/ui/theme.js';
import { running } from '../../support/tui-states.js';

describe('planView', () => {
  test('per service: the closure, each input that rebuilds it with its instruction and line, shared builds, restarts', () => {
    const entries = planView(running());
    expect(entries.find((e) => e.name === 'web')).toEqual({
      name: 'web',
      summary: 'develop (base → develop)',
      lines: [
        'rebuild on app/package.json → COPY package.json ./ (base, line 3)',
        'rebuild on app/src/ → COPY src/ ./src/ (develop, line 5)',
        'reload and rebuild on app/Dockerfile',
        'one build with worker',
        'restart when api is rebuilt (depends_on restart: true)',
      ],
    });
    expect(entries.find((e) => e.name === 'cache')).toEqual({ name: 'cache', summary: 'image busybox:latest', lines: ['never rebuilt: compose runs the image as it is'] });
  });
});

describe('colorsEnabled', () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  test('on by default, off with NO_COLOR, FORCE_COLOR wins', () => {
    expect(colorsEnabled(env({}))).toBe(true);
    expect(colorsEnabled(env({ NO_COLOR: '1' }))).toBe(false);
    expect(colorsEnabled(env({ NO_COLOR: '' }))).toBe(true);
    expect(colorsEnabled(env({ NO_COLOR: '1', FORCE_COLOR: '1' }))).toBe(true);
    expect(colorsEnabled(env({ FORCE_COLOR: '0' }))).toBe(false);
  });
});
