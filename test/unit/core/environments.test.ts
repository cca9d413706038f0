import { describe, expect, test } from 'vitest';
import { parseDockstageConfig } from '../../../src/core/environments.js';
import { dockerfile, project } from '../../support/builders.js';

const FIVE_STAGES = dockerfile(
  'FROM busybox AS base',
  'FROM base AS develop',
  'FROM develop AS test',
  'FROM base AS builder',
  'FROM busybox AS production',
  'COPY --from=builder /a /a',
);
const TWO_STAGES = dockerfile('FROM busybox AS dev', 'FROM busybox AS runtime');
const UNNAMED = dockerfile('FROM busybox', 'FROM busybox AS final');

function shop() {
  return project('shop', '/p')
    .service('web', { build: { context: '/p/web' } })
    .service('api', { build: { context: '/p/api' } })
    .service('db', { image: 'postgres:16' })
    .file('/p/web/Dockerfile', FIVE_STAGES)
    .file('/p/api/Dockerfile', TWO_STAGES);
}

function targets(builder: ReturnType<typeof shop>, environment: string) {
  return Object.fromEntries(
    builder.workspace(environment).services.map((s) => [s.name, s.build ? `${s.build.target} (${s.build.targetSource})` : null]),
  );
}

describe('parseDockstageConfig', () => {
  test('no block means dev, ci and prod with dev as default', () => {
    const { value, errors } = parseDockstageConfig(undefined);
    expect(errors).toEqual([]);
    expect(Object.keys(value.environments)).toEqual(['ci', 'dev', 'prod']);
    expect(value.defaultEnvironment).toBe('dev');
  });

  test('custom environments join the built-in ones; unknown keys warn with their path', () => {
    const { value, errors, warnings } = parseDockstageConfig({
      default: 'staging',
      environments: { staging: { target: 'production', on_change: 'restart', colour: 'blue' } },
    });
    expect(errors).toEqual([]);
    expect(Object.keys(value.environments)).toEqual(['ci', 'dev', 'prod', 'staging']);
    expect(value.environments['staging']).toMatchObject({ target: 'production', onChange: 'restart' });
    expect(warnings.map((w) => w.path)).toEqual(['x-dockstage.environments.staging.colour']);
  });

  test('errors carry the config path and never stop at the first', () => {
    const { errors } = parseDockstageConfig({ default: 'nope', environments: { dev: { target: 3, on_change: 'sometimes' } } });
    expect(errors.map((e) => e.path)).toEqual([
      'x-dockstage.environments.dev.target',
      'x-dockstage.environments.dev.on_change',
      'x-dockstage.default',
    ]);
  });

  test('checks must be a list of stage names', () => {
    const { value, errors } = parseDockstageConfig({
      environments: { dev: { checks: 3 }, ci: { checks: 'lint', services: { web: { checks: ['test', 'test'] } } } },
    });
    expect(errors.map((e) => [e.path, e.message, e.hint])).toEqual([
      ['x-dockstage.environments.dev.checks', 'checks must be a list of stage names, got 3', 'e.g. checks: [test, lint]'],
    ]);
    expect([value.environments['ci']?.checks, value.environments['ci']?.services['web']?.checks]).toEqual([['lint'], ['test']]);
  });
});

describe('chooseTargets (through the workspace)', () => {
  test('conventions: dev → develop|dev, ci → builder, prod → production|runtime', () => {
    expect(targets(shop(), 'dev')).toEqual({ api: 'dev (convention)', db: null, web: 'develop (convention)' });
    expect(targets(shop(), 'ci')).toEqual({ api: 'runtime (last-stage)', db: null, web: 'builder (convention)' });
    expect(targets(shop(), 'prod')).toEqual({ api: 'runtime (convention)', db: null, web: 'production (convention)' });
  });

  test("the compose file's own build.target beats the last stage but not a convention", () => {
    const builder = project('shop', '/p')
      .service('web', { build: { context: '/p/web', target: 'test' } })
      .file('/p/web/Dockerfile', FIVE_STAGES);
    expect(targets(builder, 'dev')).toEqual({ web: 'develop (convention)' });
    const custom = builder.config({ environments: { qa: {} } });
    expect(targets(custom, 'qa')).toEqual({ web: 'test (compose)' });
  });

  test("a convention overriding the compose file's build.target warns once per service and environment, naming the key that keeps it", () => {
    const builder = project('shop', '/p')
      .service('web', { build: { context: '/p/web', target: 'production' } })
      .service('worker', { build: { context: '/p/web', target: 'production' } })
      .file('/p/web/Dockerfile', FIVE_STAGES);
    const warnings = (environment: string) => builder.workspace(environment).warnings.map((w) => `${w.location.path}: ${w.message}`);
    expect(warnings('dev')).toEqual([
      'services.web.build.target: web: compose sets target production; dev uses develop by convention; set x-dockstage.environments.dev.services.web.target to keep it',
      'services.worker.build.target: worker: compose sets target production; dev uses develop by convention; set x-dockstage.environments.dev.services.worker.target to keep it',
    ]);
    expect(warnings('ci')).toEqual([
      'services.web.build.target: web: compose sets target production; ci uses builder by convention; set x-dockstage.environments.ci.services.web.target to keep it',
      'services.worker.build.target: worker: compose sets target production; ci uses builder by convention; set x-dockstage.environments.ci.services.worker.target to keep it',
    ]);
    // The convention agrees with compose (prod → production), or config chose explicitly: nothing to say.
    expect(warnings('prod')).toEqual([]);
    expect(
      builder.config({ environments: { dev: { services: { web: { target: 'production' } }, target: 'develop' } } }).workspace('dev')
        .warnings,
    ).toEqual([]);
  });

  test('an environment default applies where the stage exists and falls back elsewhere', () => {
    const builder = shop().config({ environments: { prod: { target: 'production' } } });
    expect(targets(builder, 'prod')).toEqual({ api: 'runtime (convention)', db: null, web: 'production (environment-default)' });
  });

  test('service config beats everything', () => {
    const builder = shop().config({ environments: { dev: { target: 'develop', services: { web: { target: 'test' } } } } });
    expect(targets(builder, 'dev')).toEqual({ api: 'dev (convention)', db: null, web: 'test (service-config)' });
  });

  test('a service target its Dockerfile lacks is an error listing the stages', () => {
    const builder = shop().config({ environments: { dev: { services: { web: { target: 'develp' } } } } });
    expect(builder.errors('dev')).toEqual([
      "x-dockstage.environments.dev.services.web.target: service 'web' has no stage 'develp' in web/Dockerfile (did you mean 'develop'? stages: base, develop, test, builder, production)",
    ]);
  });

  test('an environment default that no Dockerfile has is a typo', () => {
    const builder = shop().config({ environments: { prod: { target: 'prodution' } } });
    expect(builder.errors('prod')).toEqual([
      "x-dockstage.environments.prod.target: environment 'prod' targets stage 'prodution', which no service's Dockerfile has (did you mean 'production'? stages: base, builder, dev, develop, production, runtime, test)",
    ]);
  });

  test('an unknown environment lists the known ones', () => {
    expect(shop().errors('staging')).toEqual([
      ": unknown environment 'staging' (use one of: ci, dev, prod, or define it under x-dockstage.environments)",
    ]);
  });

  test('the long name of an environment the project calls by its short name suggests that one: production → prod', () => {
    expect(shop().errors('production')).toEqual([
      ": unknown environment 'production' (did you mean 'prod'? use one of: ci, dev, prod, or define it under x-dockstage.environments)",
    ]);
  });

  test('configuring a service the project lacks is a warning (it may sit in a disabled profile)', () => {
    const builder = shop().config({ environments: { dev: { services: { wbe: { target: 'develop' } } } } });
    expect(builder.errors('dev')).toEqual([]);
    expect(builder.workspace('dev').warnings.map((w) => `${w.message} (${w.hint})`)).toEqual([
      "environment 'dev' configures service 'wbe', which is not in the project (or not in an enabled profile) (did you mean 'web'? services: api, db, web)",
    ]);
  });

  test('an unnamed last stage is built without --target; an unnamed earlier one cannot be a target', () => {
    const single = project('x', '/p')
      .service('app', { build: { context: '/p' } })
      .file('/p/Dockerfile', dockerfile('FROM busybox', 'COPY . /app'));
    expect(single.workspace('dev').services[0]!.build).toMatchObject({ target: 'stage-0', buildTarget: undefined });
    const earlier = project('x', '/p')
      .service('app', { build: { context: '/p' } })
      .config({ environments: { dev: { services: { app: { target: '0' } } } } })
      .file('/p/Dockerfile', dockerfile('FROM busybox', 'FROM busybox AS final'));
    expect(earlier.errors('dev')).toEqual([
      "Dockerfile: service 'app' targets stage 0 of Dockerfile, which has no name, so BuildKit cannot build it as a target (name it: FROM busybox AS <name>)",
    ]);
  });

  test('unnamed stages are targets by index name (stage-N) as the last stage', () => {
    const builder = project('x', '/p')
      .service('app', { build: { context: '/p' } })
      .file('/p/Dockerfile', UNNAMED);
    expect(targets(builder, 'ci')).toEqual({ app: 'final (last-stage)' });
  });

  test('each (service, environment) has its own image tag unless configured', () => {
    const images = (env: string) =>
      Object.fromEntries(
        shop()
          .config({ environments: { prod: { services: { api: { image: 'registry.example/api:1' } } } } })
          .workspace(env)
          .services.map((s) => [s.name, s.image]),
      );
    expect(images('dev')).toEqual({ api: 'shop-api:dockstage-dev', db: 'postgres:16', web: 'shop-web:dockstage-dev' });
    expect(images('prod')).toEqual({ api: 'registry.example/api:1', db: 'postgres:16', web: 'shop-web:dockstage-prod' });
  });

  test('a missing Dockerfile is an error naming the service and the path', () => {
    const builder = project('shop', '/p').service('web', { build: { context: '/p/web', dockerfile: 'Dockerfile.dev' } });
    expect(builder.errors('dev')).toEqual([
      "services.web.build.dockerfile: service 'web': Dockerfile not found: web/Dockerfile.dev (create it, or point build.dockerfile (relative to the context web) at the right file)",
    ]);
  });
});

describe('workspace warnings', () => {
  test('a warning in a Dockerfile that two services share is reported once', () => {
    const workspace = project('p', '/p')
      .service('a', { build: { context: '/p' } })
      .service('b', { build: { context: '/p' } })
      .file('/p/Dockerfile', dockerfile('FROM busybox AS builder', 'FROM busybox', 'COPY --from=buidler /x /y'))
      .workspace('dev');
    expect(workspace.warnings.map((w) => `${w.location.file}:${w.location.line} ${w.message}`)).toEqual([
      "Dockerfile:3 --from=buidler is not a stage, so BuildKit pulls it as an image; did you mean 'builder'?",
    ]);
  });
});
