/**
 * An engine run on fake ports, wired by `startEngine` itself (src/engine/engine.ts), so store-level tests see the
 * subscribers exactly as a command runs them: the fake runtime, builder and compose CLI record what the subscribers
 * asked for, and time moves only when the test advances the fake clock.
 */
import type { EngineAction } from '../../src/core/state/actions.js';
import type { EngineMode } from '../../src/core/state/engine-state.js';
import type { Workspace } from '../../src/core/workspace.js';
import { startEngine, type EngineRun, type EngineRunOptions } from '../../src/engine/engine.js';
import { runSettings, type RunSettings } from '../../src/engine/settings.js';
import type { FileSystem } from '../../src/ports/file-system.js';
import { FakeClock } from './fake-clock.js';
import { FakeImageBuilder } from './fake-builder.js';
import { FakeComposeCli } from './fake-compose.js';
import { FakeContainerFiles } from './fake-container-files.js';
import { fakeFileSystem } from './fake-fs.js';
import { FakeContainerRuntime } from './fake-runtime.js';

/** The fake ports of one run; set them up before `start`. */
export interface FakePorts {
  readonly clock: FakeClock;
  readonly runtime: FakeContainerRuntime;
  readonly builder: FakeImageBuilder;
  readonly compose: FakeComposeCli;
  readonly containerFiles: FakeContainerFiles;
  /** A build context with no files, and a project directory that takes dockstage's own files. */
  readonly fs: FileSystem;
  /** What subscribers threw (a bug: they should dispatch). */
  readonly thrown: unknown[];
  /** Every action the runs dispatched, in order (buildProgressed left out). */
  readonly actions: EngineAction[];
}

/** Fake ports; `fs` answers more of the FileSystem than an empty build context (live sync reads files). */
export function fakePorts(fs: Partial<FileSystem> = {}): FakePorts {
  const runtime = new FakeContainerRuntime();
  return {
    clock: new FakeClock(1_000),
    runtime,
    builder: new FakeImageBuilder(runtime),
    compose: new FakeComposeCli(),
    containerFiles: new FakeContainerFiles(),
    fs: fakeFileSystem({
      listFiles: async () => [],
      kind: async () => null,
      readText: async () => null,
      exists: async () => false,
      writeText: async () => undefined,
      ...fs,
    }),
    thrown: [],
    actions: [],
  };
}

/** Starts an engine on the fake ports; `load` answers reloads (by default with the same workspace). */
export function startFakeEngine(
  ports: FakePorts,
  workspace: Workspace,
  mode: EngineMode,
  options: Partial<Pick<EngineRunOptions, 'load'> & Pick<RunSettings, 'sync' | 'services' | 'switchFrom'>> = {},
): EngineRun {
  const { clock, runtime, builder, compose, fs } = ports;
  return startEngine(
    { fs, runtime, builder, compose, clock, ...(options.sync === true ? { containerFiles: ports.containerFiles } : {}) },
    workspace,
    ['/p/compose.yaml'],
    {
      settings: runSettings(
        {
          mode,
          concurrency: 2,
          ...(options.services === undefined ? {} : { services: options.services }),
          ...(options.switchFrom === undefined ? {} : { switchFrom: options.switchFrom }),
          ...(options.sync === undefined ? {} : { sync: options.sync }),
        },
        { platform: 'linux/amd64', builder: undefined },
      ),
      composeTarget: { files: ['/p/compose.yaml'], projectName: workspace.project.name, profiles: [], envFiles: [] },
      projectDir: '/p',
      load: options.load ?? (async () => ({ workspace, composeFiles: ['/p/compose.yaml'] })),
      onSubscriberError: (error) => ports.thrown.push(error),
      subscribers: [() => ({ onChange: (_state, action) => action.type !== 'buildProgressed' && ports.actions.push(action) })],
    },
  );
}
