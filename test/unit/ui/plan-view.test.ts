/** The plan view and the colour switch, on literal inputs. */
import { describe, expect, test } from 'vitest';
import { planView } from '../../../src/ui/plan-view.js';
import { colorsEnabled } from '../../../src/ui/theme.js';
import { dockerfile } from '../../support/builders.js';
import { running, shop } from '../../support/tui-states.js';

describe('planView', () => {
  test('per service: the closure, each input that rebuilds it with its instruction and line, shared builds, restarts', () => {
    const entries = planView(running());
    expect(entries.find((e) => e.name === 'web')).toEqual({
      name: 'web',
      summary: 'develop (base → develop)',
      lines: [
        'rebuild on app/package.json → COPY package.json ./ (base, line 3)',
        'rebuild on app/src/ → COPY src/ ./src/ (develop, line 5)',
        'live sync: edits copied by develop (line 5) go into the running container; the image is rebuilt behind',
        'reload and rebuild on app/Dockerfile',
        'one build with worker',
        'restart when api is rebuilt (depends_on restart: true)',
      ],
    });
    expect(entries.find((e) => e.name === 'cache')).toEqual({
      name: 'cache',
      summary: 'image busybox:latest',
      lines: ['never rebuilt: compose runs the image as it is'],
    });
  });

  test('a RUN after the COPY rules live sync out, and says where', () => {
    const state = running(
      shop('dev', { apiDockerfile: dockerfile('FROM busybox AS develop', 'COPY src/ ./src/', 'RUN make', 'FROM develop AS production') }),
    );
    expect(planView(state).find((e) => e.name === 'api')?.lines).toContain(
      'live sync: never (RUN at line 3 runs after COPY src/ ./src/, line 2)',
    );
    expect(
      planView({ ...state, sync: false })
        .find((e) => e.name === 'api')
        ?.lines.some((l) => l.startsWith('live sync')),
    ).toBe(false);
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
