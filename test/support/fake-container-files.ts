/**
 * ContainerFiles for unit tests of live sync: every batch is recorded per container (test/support/fake-calls.ts:
 * fail, stall, answer) and answers with the paths it would write, in batch order.
 */
import type { AppliedFiles, ContainerFileBatch, ContainerFiles, ContainerFileWrite } from '../../src/ports/container-files.js';
import { FakeCalls } from './fake-calls.js';

export class FakeContainerFiles extends FakeCalls<keyof ContainerFiles & string> implements ContainerFiles {
  apply(containerId: string, batch: ContainerFileBatch): Promise<AppliedFiles> {
    return this.call('apply', [containerId, batch], () => ({ written: (batch.files ?? []).map(writtenPath) }));
  }

  writeFiles(containerId: string, files: readonly ContainerFileWrite[]): Promise<AppliedFiles> {
    return this.call('writeFiles', [containerId, files], () => ({ written: files.map(writtenPath) }));
  }

  removePaths(containerId: string, paths: readonly string[]): Promise<void> {
    return this.call('removePaths', [containerId, paths], () => undefined);
  }

  keepReady(containerIds: readonly string[]): void {
    this.calls.push({ method: 'keepReady', args: [containerIds] });
  }

  close(): Promise<void> {
    return this.call('close', [], () => undefined);
  }
}

/** Where the fake says a file went: its path (the fake has no directories to resolve `intoDirectoryNamed` against). */
function writtenPath(file: ContainerFileWrite): string {
  return file.path;
}
