import { describe, expect, test } from 'vitest';
import { parseDockstageConfig } from '../../../src/core/environments.js';
import { imagesToRemove } from '../../../src/core/project-images.js';
import { project } from '../../support/builders.js';

const shop = project('shop')
  .service('web', { build: { context: '/p/web' }, image: 'registry.example.com/shop/web:${TAG}' })
  .service('worker', { build: { context: '/p/web' } })
  .service('cache', { image: 'redis:7' })
  .config({
    environments: { prod: { services: { worker: { image: 'registry.example.com/shop/worker:1' }, cache: { image: 'ignored:1' } } } },
  });

const selection = (mode: 'local' | 'all') => {
  const composeProject = shop.composeProject();
  return imagesToRemove(composeProject, parseDockstageConfig(composeProject.extensions['x-dockstage']).value, mode);
};

describe('imagesToRemove (down --rmi)', () => {
  test('local: the dockstage tags of every built service, in every environment (a prefix), and untagged builds by label; nothing a service names', () => {
    expect(selection('local')).toEqual({
      prefixes: ['shop-web:dockstage-', 'shop-worker:dockstage-'],
      references: [],
      label: { key: 'dev.dockstage.project', value: 'shop' },
    });
  });

  test("all: also compose's image: names and the environments' configured images of built services", () => {
    expect(selection('all')).toEqual({
      prefixes: ['shop-web:dockstage-', 'shop-worker:dockstage-'],
      references: ['redis:7', 'registry.example.com/shop/web:${TAG}', 'registry.example.com/shop/worker:1'],
      label: { key: 'dev.dockstage.project', value: 'shop' },
    });
  });
});
