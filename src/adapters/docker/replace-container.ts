/**
 * The hot path after a rebuild: one compose container replaced by a new one on
 * the new image through the engine API, without the compose CLI, and
 * signalling a container's main process (a reload without a restart).
 */
import { DockstageError } from '../../core/errors.js';
import type { ContainerInfo, ContainerRuntime, ReplaceOptions } from '../../ports/container-runtime.js';
import { SERVICE_LABEL } from './compose-labels.js';
import { containerOperations } from './containers.js';
import { engineMessage, ignoreStatus, statusCode, type EngineClient } from './engine-client.js';
import { replacementSpec, type EngineContainerDetails, type EngineImageConfig } from './replacement-config.js';

/** The replace and signal operations of the ContainerRuntime port. */
export function replaceOperations(client: EngineClient) {
  const { docker, guard } = client;
  const { inspectContainer } = containerOperations(client);
  return {
    async replaceContainer(id, image, options = {}) {
      return await guard(() => replace(client, id, image, options, inspectContainer));
    },

    async signalContainer(id, signal) {
      await guard(async () => {
        try {
          await docker.getContainer(id).kill({ signal });
        } catch (error) {
          const code = statusCode(error);
          if (code === undefined) throw error;
          throw new DockstageError(`cannot send ${signal} to container ${id}: ${engineMessage(error)}`, {
            hint:
              code === 409
                ? 'the container is not running; start it first'
                : 'check the container and the signal name (e.g. SIGHUP, SIGUSR2)',
            exitCode: 1,
          });
        }
      });
    },
  } satisfies Pick<ContainerRuntime, 'replaceContainer' | 'signalContainer'>;
}

/**
 * The order keeps the service down only between stopping the old container
 * and starting the new one: the old one is renamed aside while it still runs,
 * the new one is created under the real name (its DNS name and hostname right
 * from the start), then joined to its other networks while the old one stops,
 * then started (also after a crash, with `startAfterCrash`). The
 * old one is removed (its volumes kept) once the new one runs. Any failure
 * before that point removes the new container, gives the old one its name
 * back and starts it again if it had been running.
 */
async function replace(
  client: EngineClient,
  id: string,
  image: string,
  options: ReplaceOptions,
  inspectContainer: ContainerRuntime['inspectContainer'],
): Promise<ContainerInfo> {
  const { docker } = client;
  const old = await inspectOld(client, id);
  // A replace killed half-way leaves the old container under its parked name; the service's name is without it.
  const name = old.Name.replace(/^\//, '').replace(/-replaced-[0-9a-f]{12}$/, '');
  const service = old.Config.Labels?.[SERVICE_LABEL] ?? name;
  const failure = (reason: string, hint: string) =>
    new DockstageError(`cannot replace the container of ${service}: ${reason}`, { hint, exitCode: 1 });
  const [newImage, oldImage] = await Promise.all([imageConfig(client, image), imageConfig(client, old.Image)]);
  if (newImage === undefined)
    throw failure(`there is no image ${image}`, 'build the image first; the running container was left as it was');
  const spec = replacementSpec(old, oldImage?.config, { reference: image, id: newImage.id });
  const wasRunning = old.State?.Running === true;
  const crashed = !wasRunning && (old.State?.ExitCode ?? 0) !== 0;
  const startNew = wasRunning || (crashed && options.startAfterCrash === true);
  options.signal?.throwIfAborted();

  const parkedName = `${name}-replaced-${old.Id.slice(0, 12)}`;
  let parked = false;
  let created: string | undefined;
  let oldStopped = false;
  let newId = '';
  /** What was being done when a step failed, for the message. */
  let step: 'prepared' | 'created' | 'set up' | 'started' = 'prepared';
  let stopFailed = false;
  try {
    if (old.Name !== `/${parkedName}`) await docker.getContainer(old.Id).rename({ name: parkedName });
    parked = true;
    step = 'created';
    newId = (await docker.createContainer({ name, ...spec.create })).id;
    created = newId;
    step = 'set up';
    // Only now may the old container stop: a create that fails, or a cancel, leaves it serving untouched.
    options.signal?.throwIfAborted();
    // The new container joins its other networks while the old one stops (the edit waits on both).
    const joinNetworks = async () => {
      for (const { network, endpoint } of spec.extraNetworks)
        await docker.getNetwork(network).connect({ Container: newId, EndpointConfig: endpoint });
    };
    const stopOld = async () => {
      if (!wasRunning) return;
      await ignoreStatus(304, () =>
        docker.getContainer(old.Id).stop(options.stopTimeoutSeconds === undefined ? {} : { t: options.stopTimeoutSeconds }),
      );
      oldStopped = true;
    };
    const [joining, stopping] = await Promise.allSettled([joinNetworks(), stopOld()]);
    if (stopping.status === 'rejected') {
      stopFailed = true;
      // Both failed: the stop is the message, the join's reason goes with it.
      if (joining.status === 'rejected')
        throw new Error(`${engineMessage(stopping.reason)}; joining its networks failed too: ${engineMessage(joining.reason)}`);
      throw stopping.reason;
    }
    if (joining.status === 'rejected') throw joining.reason;
    options.signal?.throwIfAborted();
    step = 'started';
    if (startNew) await docker.getContainer(newId).start();
  } catch (error) {
    const what = stopFailed ? 'the old container could not be stopped' : `the new container could not be ${step}`;
    try {
      if (created !== undefined) await ignoreStatus(404, () => docker.getContainer(created as string).remove({ force: true }));
      if (parked) await docker.getContainer(old.Id).rename({ name });
      if (oldStopped) await ignoreStatus(304, () => docker.getContainer(old.Id).start());
    } catch (restoreError) {
      throw failure(
        `${what} (${engineMessage(error)}), and putting the old one back failed: ${engineMessage(restoreError)}`,
        `run \`docker compose up -d ${service}\` to recreate it`,
      );
    }
    if (options.signal?.aborted === true) throw error;
    const kept = `the previous container ${wasRunning ? 'is running' : 'was kept'} as before`;
    throw failure(
      `${what}: ${engineMessage(error)}`,
      stopFailed
        ? `${kept}; see why it does not stop with \`docker inspect ${old.Id.slice(0, 12)}\``
        : `${kept}; fix the image and rebuild`,
    );
  }

  try {
    await docker.getContainer(old.Id).remove({ v: false, force: true });
  } catch (error) {
    if (statusCode(error) !== 404) {
      throw failure(
        `the new container runs, but the old one could not be removed: ${engineMessage(error)}`,
        `remove it with \`docker rm -f ${old.Id.slice(0, 12)}\``,
      );
    }
  }
  const replaced = await inspectContainer(newId);
  if (replaced === undefined)
    throw failure('the new container disappeared right after it was created', 'check `docker events` for what removed it');
  return replaced;
}

async function inspectOld(client: EngineClient, id: string): Promise<EngineContainerDetails> {
  try {
    return (await client.docker.getContainer(id).inspect()) as unknown as EngineContainerDetails;
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
    throw new DockstageError(`cannot replace container ${id}: it does not exist`, {
      hint: 'start the service with `dockstage up` first',
      exitCode: 1,
    });
  }
}

async function imageConfig(client: EngineClient, reference: string): Promise<{ id: string; config: EngineImageConfig } | undefined> {
  try {
    const inspected = await client.docker.getImage(reference).inspect();
    return { id: inspected.Id, config: (inspected.Config ?? {}) as unknown as EngineImageConfig };
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}
