/**
 * Containers as the engine describes them (the JSON of the list and inspect
 * calls, API 1.41) mapped to our ContainerInfo. Pure: unit tests feed these
 * functions literal engine output.
 */
import type { ContainerHealth, ContainerInfo, ContainerState, PublishedPort } from '../../ports/container-runtime.js';
import { compareStrings } from '../../core/order.js';
import { NUMBER_LABEL, PROJECT_LABEL, SERVICE_LABEL } from './compose-labels.js';

/** One entry of `GET /containers/json` (API 1.41), the fields dockstage reads. */
export interface EngineContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[] | null;
  readonly Image?: string;
  readonly ImageID?: string;
  readonly State?: string;
  readonly Status?: string;
  readonly Ports?:
    readonly { readonly IP?: string; readonly PrivatePort: number; readonly PublicPort?: number; readonly Type: string }[] | null;
  readonly Labels?: Readonly<Record<string, string>> | null;
}

/** `GET /containers/{id}/json` (API 1.41), the fields dockstage reads. */
export interface EngineContainerInspect {
  readonly Id: string;
  readonly Name?: string;
  /** Image ID. */
  readonly Image?: string;
  readonly Config?: { readonly Image?: string; readonly Labels?: Readonly<Record<string, string>> | null; readonly Tty?: boolean } | null;
  readonly State?: {
    readonly Status?: string;
    readonly Running?: boolean;
    readonly Paused?: boolean;
    readonly Restarting?: boolean;
    readonly ExitCode?: number;
    readonly StartedAt?: string;
    readonly Health?: { readonly Status?: string } | null;
  } | null;
  readonly NetworkSettings?: {
    readonly Ports?: Readonly<Record<string, readonly { readonly HostIp?: string; readonly HostPort?: string }[] | null>> | null;
  } | null;
}

const STATES: ReadonlySet<string> = new Set<ContainerState>(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']);

function containerState(state: string | undefined): ContainerState {
  const lower = (state ?? '').toLowerCase();
  return STATES.has(lower) ? (lower as ContainerState) : 'dead';
}

/**
 * Health as the engine's status text shows it: `Up 3 minutes (healthy)`,
 * `(unhealthy)`, `Up 2 seconds (health: starting)`; null when the text has
 * none (no healthcheck, or not running — the engine only reports health for
 * running containers, and so do we).
 */
export function healthFromStatus(status: string): ContainerHealth {
  const match = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (match === null) return null;
  return match[1] === 'health: starting' ? 'starting' : (match[1] as 'healthy' | 'unhealthy');
}

/** A list entry as our ContainerInfo (no startedAt/exitCode: only inspect knows them). */
export function containerFromSummary(summary: EngineContainerSummary): ContainerInfo {
  const labels = summary.Labels ?? {};
  const status = summary.Status ?? '';
  return {
    id: summary.Id,
    name: (summary.Names?.[0] ?? '').replace(/^\//, ''),
    service: labels[SERVICE_LABEL] ?? '',
    project: labels[PROJECT_LABEL] ?? '',
    number: containerNumber(labels[NUMBER_LABEL]),
    state: containerState(summary.State),
    status,
    health: healthFromStatus(status),
    imageId: summary.ImageID ?? '',
    image: summary.Image ?? '',
    ports: sortPorts(
      (summary.Ports ?? []).map((port) => ({
        containerPort: port.PrivatePort,
        protocol: port.Type,
        hostPort: port.PublicPort === undefined || port.PublicPort === 0 ? null : port.PublicPort,
        hostIp: port.IP === undefined || port.IP === '' ? null : port.IP,
      })),
    ),
    labels,
  };
}

/**
 * An inspected container as our ContainerInfo, with startedAt (undefined when
 * it never started) and exitCode. Health follows the engine's status text:
 * only for a running, unpaused container. `status` is the list call's human
 * text; without it the bare state stands in.
 */
export function containerFromInspect(inspected: EngineContainerInspect, status?: string): ContainerInfo {
  const labels = inspected.Config?.Labels ?? {};
  const state = inspected.State ?? {};
  const running = state.Running === true && state.Paused !== true && state.Restarting !== true;
  const health = running ? healthValue(state.Health?.Status) : null;
  const startedAt = state.StartedAt === undefined || state.StartedAt.startsWith('0001-') ? undefined : state.StartedAt;
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(inspected.NetworkSettings?.Ports ?? {})) {
    const [port = '', protocol = 'tcp'] = key.split('/');
    const containerPort = Number(port);
    if (bindings === null || bindings.length === 0) ports.push({ containerPort, protocol, hostPort: null, hostIp: null });
    for (const binding of bindings ?? []) {
      const hostPort = Number(binding.HostPort);
      ports.push({
        containerPort,
        protocol,
        hostPort: hostPort > 0 ? hostPort : null,
        hostIp: binding.HostIp === undefined || binding.HostIp === '' ? null : binding.HostIp,
      });
    }
  }
  return {
    id: inspected.Id,
    name: (inspected.Name ?? '').replace(/^\//, ''),
    service: labels[SERVICE_LABEL] ?? '',
    project: labels[PROJECT_LABEL] ?? '',
    number: containerNumber(labels[NUMBER_LABEL]),
    state: containerState(state.Status),
    status: status ?? state.Status ?? '',
    health,
    imageId: inspected.Image ?? '',
    image: inspected.Config?.Image ?? '',
    ports: sortPorts(ports),
    labels,
    startedAt,
    exitCode: state.ExitCode,
  };
}

/** The engine's health word (`State.Health.Status`, an event's detail) as our ContainerHealth; anything else is null. */
export function healthValue(value: string | undefined): ContainerHealth {
  return value === 'healthy' || value === 'unhealthy' || value === 'starting' ? value : null;
}

function containerNumber(label: string | undefined): number {
  const number = Number(label);
  return Number.isInteger(number) ? number : 0;
}

/** Sorted by service, then container number, then name: the port's order, stable for the UI. */
export function sortContainers(containers: readonly ContainerInfo[]): ContainerInfo[] {
  return [...containers].sort((a, b) => compareStrings(a.service, b.service) || a.number - b.number || compareStrings(a.name, b.name));
}

function sortPorts(ports: readonly PublishedPort[]): PublishedPort[] {
  return [...ports].sort(
    (a, b) =>
      a.containerPort - b.containerPort ||
      compareStrings(a.protocol, b.protocol) ||
      compareStrings(a.hostIp ?? '', b.hostIp ?? '') ||
      (a.hostPort ?? 0) - (b.hostPort ?? 0),
  );
}
