import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../src/core/errors.js';
import type { BuildRunEvent } from '../../../src/operations/builds.js';
import type { BuildEvent } from '../../../src/ports/image-builder.js';
import { formatBuildFailure } from '../../../src/ui/text/build-failure.js';
import { BuildProgress } from '../../../src/cli/output/stage-lines.js';

const services = ['web', 'worker'];
const step = (event: BuildEvent, line?: number): BuildRunEvent => ({ type: 'build-step', services, event, line });
const ref = (stage: string, n: number, total: number, instruction: string) => ({
  vertex: `${stage}-${n}`,
  stage,
  step: n,
  total,
  instruction,
});

describe('BuildProgress', () => {
  test('prints one line per stage when its last step completes, then the build summary', () => {
    const progress = new BuildProgress();
    const events: BuildRunEvent[] = [
      { type: 'build-started', services, target: 'develop', tags: ['shop-web:dockstage-dev', 'shop-worker:dockstage-dev'] },
      step({ type: 'step-started', at: 1000, ...ref('base', 1, 2, 'FROM node') }),
      step({ type: 'step-completed', at: 1000, cached: true, durationMs: 0, ...ref('base', 1, 2, 'FROM node') }),
      step({ type: 'step-started', at: 1000, ...ref('base', 2, 2, 'WORKDIR /app') }),
      step({ type: 'step-completed', at: 1100, cached: false, durationMs: 100, ...ref('base', 2, 2, 'WORKDIR /app') }),
      step({ type: 'step-started', at: 1100, ...ref('develop', 1, 1, 'RUN npm ci') }),
      step({ type: 'step-log', stream: 'stdout', text: 'added 1 package', ...ref('develop', 1, 1, 'RUN npm ci') }),
      step({ type: 'step-completed', at: 3600, cached: false, durationMs: 2500, ...ref('develop', 1, 1, 'RUN npm ci') }),
      { type: 'build-completed', services, target: 'develop', imageId: 'sha256:1', durationMs: 2700, cachedSteps: 1, totalSteps: 3 },
    ];
    expect(events.flatMap((event) => progress.apply(event))).toEqual([
      'web, worker  building develop → shop-web:dockstage-dev, shop-worker:dockstage-dev',
      'web, worker  base  ✓ 2/2 steps, 1 cached  0.1s',
      'web, worker  develop  ✓ 1/1 steps  2.5s',
      'web, worker  built develop in 2.7s (1 of 3 steps cached)',
    ]);
  });

  test('a failure marks the stage; the failure itself is one message with instruction, file:line, log tail and hint', () => {
    const progress = new BuildProgress();
    progress.apply(step({ type: 'step-started', at: 0, ...ref('develop', 1, 2, 'RUN make') }));
    const error = new BuildFailedError('make failed', {
      stage: 'develop',
      instruction: 'RUN make',
      file: 'web/Dockerfile',
      line: 12,
      logTail: ['cc: error', 'make: *** [all] Error 1'],
    });
    expect(progress.apply({ type: 'build-failed', services, target: 'develop', error })).toEqual([
      'web, worker  develop  ✗ failed at step 1 of 2',
    ]);
    expect(formatBuildFailure(services, 'develop', error)).toBe(
      [
        'error: build of web, worker failed at develop: RUN make',
        '  --> web/Dockerfile:12',
        '  │ cc: error',
        '  │ make: *** [all] Error 1',
        '  hint: fix the failing step',
      ].join('\n'),
    );
  });

  test('an up-to-date build is one line with the check time', () => {
    expect(
      new BuildProgress().apply({
        type: 'build-up-to-date',
        services: ['api'],
        target: 'production',
        imageId: 'sha256:2',
        tags: ['shop-api:dockstage-prod'],
        checkMs: 12.4,
      }),
    ).toEqual(['api  production  up to date (shop-api:dockstage-prod, checked in 12 ms)']);
  });
});
