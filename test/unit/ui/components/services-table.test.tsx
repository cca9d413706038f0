/**
 * The services table and the build pane as ink renders them: every service
 * state and every stage status reads as words and symbols (these frames carry
 * no colour at all).
 */
import { render } from 'ink-testing-library';
import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../../src/core/errors.js';
import type { EngineState, ServiceState } from '../../../../src/core/state/engine-state.js';
import { BuildPane } from '../../../../src/ui/components/BuildPane.js';
import { ServicesTable } from '../../../../src/ui/components/ServicesTable.js';
import { initialUiState } from '../../../../src/ui/ui-state.js';
import { stateToView } from '../../../../src/ui/view-model.js';
import { dockerfile } from '../../../support/builders.js';
import { container, fold, running, shop, step } from '../../../support/tui-states.js';
import { waitFor } from '../../../support/wait.js';

const NOW = 14_000;

function withService(state: EngineState, name: string, change: Partial<ServiceState>): EngineState {
  return { ...state, services: { ...state.services, [name]: { ...state.services[name]!, ...change } } };
}

/** The frame's line for a service (its name first after the marker). */
function line(frame: string, name: string): string {
  return frame.split('\n').find((l) => l.slice(2).startsWith(`${name} `)) ?? '';
}

async function table(state: EngineState, selected = 'web', columns = 100): Promise<string> {
  const view = stateToView(state, initialUiState(selected), NOW);
  const { lastFrame } = render(<ServicesTable rows={view.services} width={columns} height={10} offset={0} focused />);
  return await waitFor(() => lastFrame());
}

describe('ServicesTable', () => {
  test('a running project: one line per service with target, state, health, port, image and last build', async () => {
    // Given a project built and up, When the table renders at 100 columns
    const frame = await table(running());
    // Then
    expect(frame.split('\n')[0]).toMatch(/^━ services \(4\) ━+$/);
    expect(line(frame, 'web')).toBe('▸ web     develop  ● running  healthy  :18080  ✓ up to date  12s ago 0.8s 3/4 cached');
    expect(line(frame, 'worker')).toMatch(/^ {2}worker +develop +● running +✓ up to date +12s ago \(shared\)$/);
    expect(line(frame, 'cache')).toMatch(/^ {2}cache +busybox +● running +image$/);
  });

  test('every state has its word and symbol', async () => {
    // Given each service in another state
    let state = fold(
      running(),
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1', { state: 'exited', exitCode: 3 }),
          container('cache', 'c-cache', 'sha256:bb', { state: 'restarting' }),
          container('web', 'c-web', 'sha256:web1'),
          container('worker', 'c-worker', 'sha256:old'),
        ],
        at: 5_000,
      },
      { type: 'buildStarted', id: 'b9', services: ['web', 'worker'], at: 12_000 },
    );
    // When the table renders
    let frame = await table(state);
    // Then
    expect(line(frame, 'api')).toContain('■ exited 3');
    expect(line(frame, 'cache')).toContain('↻ restarting');
    expect(line(frame, 'web')).toContain('● running');
    expect(line(frame, 'web')).toContain('⚙ checking');
    expect(line(frame, 'web')).toContain('building for 2.0s');

    // Given three exits of api in a minute, worker being replaced and web stopped by the user
    state = fold(
      state,
      ...[6_000, 7_000, 8_000].map((at) => ({
        type: 'containerExited' as const,
        service: 'api',
        containerId: 'c-api',
        exitCode: 3,
        logTail: [],
        at,
      })),
    );
    state = withService(withService(state, 'worker', { operation: 'replacing' }), 'web', { stoppedByUser: true, containers: [] });
    frame = await table(state);
    expect(line(frame, 'api')).toContain('⟳ crash-looping');
    expect(line(frame, 'worker')).toContain('↻ replacing');
    expect(line(frame, 'web')).toContain('■ stopped');
  });

  test('a stale image and a blocked service', async () => {
    // A build made a new image; the container still runs the old one (its replacement is due or failed).
    const stale = fold(
      running(),
      { type: 'buildStarted', id: 'b9', services: ['web', 'worker'], at: 11_000 },
      {
        type: 'buildCompleted',
        id: 'b9',
        imageId: 'sha256:web2',
        upToDate: false,
        cachedSteps: 3,
        totalSteps: 4,
        durationMs: 500,
        tags: [],
        at: 11_500,
      },
    );
    expect(line(await table(stale), 'web')).toContain('! stale');
    const blocked = withService(
      running(shop('dev', { apiDockerfile: dockerfile('FROM busybox AS develop', 'COPY --from=nowhere') })),
      'api',
      { containers: [] },
    );
    expect(line(await table(blocked), 'api')).toMatch(/^ {2}api +- +✗ blocked +✗ blocked/);
  });

  test('at 80 columns the columns still fit, the last build cut rather than the port', async () => {
    const frame = await table(running(), 'web', 80);
    expect(line(frame, 'web')).toBe('▸ web     develop  ● running  healthy  :18080  ✓ up to date  12s ago 0.8s 3/4 c…');
    expect(Math.max(...frame.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});

describe('BuildPane', () => {
  async function pane(state: EngineState, height = 8, detail = false): Promise<string> {
    const view = stateToView(state, { ...initialUiState('web'), detail }, NOW);
    const { lastFrame } = render(<BuildPane build={view.build} width={100} height={height} scroll={0} focused={false} />);
    return await waitFor(() => lastFrame());
  }

  test('the stage graph: cached, done with its time, not in target; the target marked', async () => {
    const frame = await pane(running());
    expect(frame.split('\n').slice(0, 5)).toEqual([
      expect.stringMatching(/^─ web · app\/Dockerfile · target develop · one build with worker ─+$/),
      '  base            ✓ cached (3 steps)',
      '  ├─ develop    ◀ ✓ done 0.2s',
      '  ├─ test         · check',
      '  └─ production   · not in target',
    ]);
    expect(frame).toContain('  why: start: is the image up to date?');
  });

  test('a running stage shows its step, instruction and a bar; the why is the changed file', async () => {
    const state = fold(
      running(),
      { type: 'filesChanged', paths: ['/p/app/src/message.js'], at: 12_000 },
      { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 12_100 },
      {
        type: 'buildProgressed',
        id: 'b3',
        event: step('step-completed', 'base', 3, 3, 'COPY package.json ./', 12_200, { cached: true }),
        line: 3,
      },
      { type: 'buildProgressed', id: 'b3', event: step('step-completed', 'develop', 1, 4, 'COPY src/ ./src/', 12_300), line: 5 },
      { type: 'buildProgressed', id: 'b3', event: step('step-started', 'develop', 2, 4, 'RUN npm test', 12_400), line: 6 },
    );
    const frame = await pane(state);
    expect(frame).toContain('  ├─ develop    ◀ ▶ step 2/4 RUN npm test [███░░░░░░░]');
    expect(frame).toContain('  why: app/src/message.js → COPY src/ ./src/ (develop, line 5)');
  });

  test('a failed stage names the instruction and Dockerfile:line, then the error and hint', async () => {
    const error = new BuildFailedError('RUN npm test exited with 1', {
      stage: 'develop',
      instruction: 'RUN npm test',
      file: 'app/Dockerfile',
      line: 6,
      hint: 'fix the test',
    });
    const state = fold(
      running(),
      { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 12_100 },
      {
        type: 'buildProgressed',
        id: 'b3',
        event: step('step-completed', 'develop', 2, 2, 'RUN npm test', 12_900, { error: 'exit code: 1' }),
        line: 6,
      },
      { type: 'buildFailed', id: 'b3', error, cancelled: false, at: 13_000 },
    );
    const frame = await pane(state, 12);
    expect(frame).toContain('  ├─ develop    ◀ ✗ failed at RUN npm test (app/Dockerfile:6)');
    expect(frame).toContain('  ✗ RUN npm test exited with 1');
    expect(frame).toContain('    --> app/Dockerfile:6');
    expect(frame).toContain('    hint: fix the test');
  });

  test('more lines than room: cut, and the title says how many more', async () => {
    const frame = await pane(running(), 2);
    expect(frame.split('\n')).toHaveLength(3);
    expect(frame.split('\n')[0]).toMatch(/ ↓4 more ─$/);
  });
});
