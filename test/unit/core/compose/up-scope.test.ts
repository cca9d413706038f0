import { describe, expect, test } from 'vitest';
import { dependencyClosure, upWithoutDependencies } from '../../../../src/core/compose/up-scope.js';
import { dockerfile, project } from '../../../support/builders.js';

const workspace = project('shop', '/p')
  .service('web', { build: { context: '/p/web' }, depends_on: { api: { condition: 'service_started', restart: true } } })
  .service('api', { build: { context: '/p/web' }, depends_on: { db: { condition: 'service_started' } } })
  .service('db', { image: 'busybox:latest' })
  .service('worker', { build: { context: '/p/web' } })
  .file('/p/web/Dockerfile', dockerfile('FROM busybox AS develop'))
  .workspace('dev');

describe('up-scope (compose up --no-deps strips depends_on from the config hash)', () => {
  test('--no-deps only when none of the services declares depends_on', () => {
    expect(upWithoutDependencies(workspace, ['worker', 'db'])).toBe(true);
    expect(upWithoutDependencies(workspace, ['worker', 'api'])).toBe(false);
    expect(upWithoutDependencies(workspace, [])).toBe(true);
  });

  test('the dependencies compose converges with a service, transitively, without the services themselves', () => {
    expect(dependencyClosure(workspace, ['web'])).toEqual(['api', 'db']);
    expect(dependencyClosure(workspace, ['web', 'api'])).toEqual(['db']);
    expect(dependencyClosure(workspace, ['worker'])).toEqual([]);
  });
});
