/**
 * A ComposeCli for unit tests of the store: every call is recorded with its target and services
 * (test/support/fake-calls.ts: fail, stall, answer); `config` answers with the project the test set, and `up` can
 * bring containers into a fake runtime through `onUp`, as compose creates them.
 */
import type { ComposeCli, ComposeTarget, UpOptions } from '../../src/ports/compose-cli.js';
import { FakeCalls } from './fake-calls.js';

export class FakeComposeCli extends FakeCalls<keyof ComposeCli & string> implements ComposeCli {
  /** What `config --format json` prints. */
  project: unknown = { name: 'shop', services: {} };
  /** Runs when an `up` succeeds, with its services (all when empty). */
  onUp: (services: readonly string[]) => void = () => undefined;

  config(target: ComposeTarget): Promise<unknown> {
    return this.call('config', [target], () => this.project);
  }

  up(target: ComposeTarget, services: readonly string[], options?: UpOptions): Promise<void> {
    return this.call('up', [target, services, options], () => this.onUp(services));
  }

  down(target: ComposeTarget, options?: { readonly volumes?: boolean }): Promise<void> {
    return this.call('down', [target, options], () => undefined);
  }

  lifecycle(target: ComposeTarget, command: 'stop' | 'start' | 'restart', services: readonly string[]): Promise<void> {
    return this.call('lifecycle', [target, command, services], () => undefined);
  }
}
