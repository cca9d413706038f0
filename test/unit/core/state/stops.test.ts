/**
 * Intended stops in the pure core: a container dockstage stops (replace,
 * restart, a user's stop, a live sync's restart, compose's recreate) exits
 * with 137 or 143, which is not a crash; a slow stop is counted once per
 * service. Literal states, `at` values chosen by the tests.
 */
import { describe, expect, test } from 'vitest';
import { isIntendedStop, EXPECTED_STOP_MS } from '../../../../src/core/state/stops.js';
import { newServiceState, type EngineState } from '../../../../src/core/state/engine-state.js';
import { CRASH_WINDOW_MS, isCrashLooping, recentExits } from '../../../../src/core/state/reducer.js';
import { container, fold, running } from '../../../support/tui-states.js';

const exit = (service: string, containerId: string, exitCode: number, at: number, intended?: boolean) => ({
  type: 'containerExited' as const,
  service,
  containerId,
  exitCode,
  logTail: [],
  at,
  ...(intended === undefined ? {} : { intended }),
});

describe('intended stops', () => {
  test('the container a replace stops is expected to exit; its exit (137) counts no crash and is then forgotten', () => {
    // Given web running, when dockstage replaces its container
    let state = fold(running(), { type: 'containerReplaceStarted', service: 'web', containerId: 'c-web', at: 10_000 });
    // Then its exit is intended, and once seen no longer expected
    expect(isIntendedStop(state, 'web', 'c-web', 10_500)).toBe(true);
    expect(isIntendedStop(state, 'worker', 'c-worker', 10_500)).toBe(false);
    state = fold(state, exit('web', 'c-web', 137, 20_000, true));
    expect(state.services['web']?.exits).toEqual([]);
    expect(state.services['web']?.expectedStops).toEqual([]);
  });

  test('a full bind-mount copy followed by reload: restart expects the container to stop; other copies do not', () => {
    const copied = (extra: { full: boolean; reload?: string; paths?: string[] }) => ({
      type: 'bindMountCopied' as const,
      service: 'web',
      containerId: 'c-web',
      source: './src',
      target: '/app/src',
      written: 2,
      removed: 0,
      paths: [] as string[],
      durationMs: 40,
      at: 10_000,
      ...extra,
    });
    expect(isIntendedStop(fold(running(), copied({ full: true, reload: 'restart' })), 'web', 'c-web', 10_500)).toBe(true);
    expect(isIntendedStop(fold(running(), copied({ full: true, reload: 'none' })), 'web', 'c-web', 10_500)).toBe(false);
    expect(isIntendedStop(fold(running(), copied({ full: false, paths: ['src/a.txt'] })), 'web', 'c-web', 10_500)).toBe(false);
  });

  test('three intended stops in a minute are no crash loop; three crashes are', () => {
    let state: EngineState = running();
    for (const at of [10_000, 20_000, 30_000])
      state = fold(state, { type: 'containerRestartStarted', service: 'api', at }, exit('api', 'c-api', 143, at + 100, true), {
        type: 'containerRestarted',
        service: 'api',
        at: at + 200,
      });
    expect(state.services['api']?.exits).toEqual([]);
    state = fold(
      state,
      exit('api', 'c-api', 3, 40_000, false),
      exit('api', 'c-api', 3, 41_000, false),
      exit('api', 'c-api', 3, 42_000, false),
    );
    expect(state.services['api']?.exits).toEqual([40_000, 41_000, 42_000]);
  });

  test('a restart, a user stop and a live sync with reload: restart expect the live container to stop', () => {
    const restarting = fold(running(), { type: 'containerRestartStarted', service: 'api', at: 10_000 });
    expect(isIntendedStop(restarting, 'api', 'c-api', 10_001)).toBe(true);
    const stopped = fold(running(), { type: 'serviceStopped', service: 'worker', at: 10_000 });
    expect(isIntendedStop(stopped, 'worker', 'c-worker', 10_001)).toBe(true);
    const syncing = fold(
      running(),
      { type: 'filesChanged', paths: ['/p/app/src/a.js'], at: 10_000 },
      { type: 'buildStarted', id: 'b9', services: ['web', 'worker'], at: 10_010 },
      { type: 'syncStarted', id: 'b9', at: 10_020 },
    );
    expect(isIntendedStop(syncing, 'web', 'c-web', 10_030)).toBe(true);
    // A sync that cannot happen restarts nothing: a later exit is a crash again.
    const skipped = fold(syncing, {
      type: 'syncSkipped',
      id: 'b9',
      reason: { message: 'no', instruction: null, line: null, path: null },
      at: 10_040,
    });
    expect(isIntendedStop(skipped, 'web', 'c-web', 10_050)).toBe(false);
  });

  test('a switch expects compose to stop what it recreates; a container it left running is not expected any more', () => {
    let state = fold(running(), { type: 'environmentSwitchRequested', environment: 'prod', at: 10_000 });
    state = { ...state, switching: { environment: 'prod', from: 'dev', phase: 'building', error: undefined } };
    state = fold(state, { type: 'environmentSwitchStarted', at: 11_000 });
    expect(isIntendedStop(state, 'web', 'c-web', 11_500)).toBe(true);
    expect(isIntendedStop(state, 'api', 'c-api', 11_500)).toBe(true);
    state = fold(
      state,
      exit('web', 'c-web', 143, 11_600, true),
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web2', 'sha256:web2'),
          container('worker', 'c-worker', 'sha256:web1'),
          container('cache', 'c-cache', 'sha256:bb'),
        ],
        at: 12_000,
      },
      { type: 'environmentSwitched', environment: 'prod', recreated: ['web'], restarted: [], at: 12_000 },
    );
    expect(isIntendedStop(state, 'api', 'c-api', 12_100)).toBe(false);
    expect(state.services['web']?.expectedStops).toEqual([]);
  });

  test('compose leaving a running container as it was (the first up) expects no stop of it', () => {
    const state = running();
    expect(Object.values(state.services).flatMap((s) => s.expectedStops)).toEqual([]);
  });

  test('an expected stop whose exit never came is forgotten after a while', () => {
    const state = fold(running(), { type: 'containerRestartStarted', service: 'api', at: 10_000 });
    expect(isIntendedStop(state, 'api', 'c-api', 10_000 + EXPECTED_STOP_MS - 1)).toBe(true);
    expect(isIntendedStop(state, 'api', 'c-api', 10_000 + EXPECTED_STOP_MS)).toBe(false);
  });

  test('dockstage stopping, or a service the user stopped, makes any exit intended', () => {
    expect(isIntendedStop(fold(running(), { type: 'stopRequested', at: 10_000 }), 'cache', 'c-cache', 10_001)).toBe(true);
  });

  test('slow stops are counted per service', () => {
    const state = fold(
      running(),
      { type: 'containerStopSlow', service: 'web', containerId: 'c-web', at: 12_000 },
      { type: 'containerStopSlow', service: 'web', containerId: 'c-web2', at: 32_000 },
    );
    expect(state.services['web']?.slowStops).toBe(2);
    expect(state.services['worker']?.slowStops).toBe(0);
  });
});

describe('crash loops: one rule for the log, --json and the TUI', () => {
  test('three exits within the window are a crash loop; once one ages out of it, they are not', () => {
    const service = { ...newServiceState('web'), exits: [1_000, 20_000, 40_000] };
    expect([recentExits(service, 40_000), isCrashLooping(service, 40_000)]).toEqual([3, true]);
    expect([recentExits(service, 1_000 + CRASH_WINDOW_MS), isCrashLooping(service, 1_000 + CRASH_WINDOW_MS)]).toEqual([2, false]);
  });
});
