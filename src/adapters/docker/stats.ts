/** Resource use as `docker stats` computes it, from the engine's one-shot stats JSON. */
import type { ContainerRuntime, StatsSample } from '../../ports/container-runtime.js';
import type { EngineClient } from './engine-client.js';

/** The stats operation of the ContainerRuntime port. */
export function statsOperations(client: EngineClient) {
  const { docker, guard } = client;
  return {
    async stats(id) {
      const json = await guard(() => docker.getContainer(id).stats({ stream: false }));
      return statsSample(json as unknown as EngineStats);
    },
  } satisfies Pick<ContainerRuntime, 'stats'>;
}

/** The parts of `GET /containers/{id}/stats?stream=false` (API 1.41) the CLI's formulas use. */
export interface EngineStats {
  readonly cpu_stats?: EngineCpuStats;
  readonly precpu_stats?: EngineCpuStats;
  readonly memory_stats?: {
    readonly usage?: number;
    readonly limit?: number;
    readonly stats?: Readonly<Record<string, number>>;
  };
}

interface EngineCpuStats {
  readonly cpu_usage?: { readonly total_usage?: number; readonly percpu_usage?: readonly number[] | null };
  readonly system_cpu_usage?: number;
  readonly online_cpus?: number;
}

/**
 * CPU % as `docker stats` computes it on Linux: the container's CPU time
 * delta over the host's between the engine's two readings, times the online
 * CPUs (per-CPU list length when the engine reports none), times 100; 0 when
 * either delta is not positive (stopped container) or there is no previous
 * reading (a one-shot sample), where the CLI would show the lifetime average.
 */
export function cpuPercent(stats: EngineStats): number {
  if (!stats.precpu_stats?.system_cpu_usage) return 0;
  const cpuDelta = (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) - (stats.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (stats.cpu_stats?.system_cpu_usage ?? 0) - (stats.precpu_stats?.system_cpu_usage ?? 0);
  const online = stats.cpu_stats?.online_cpus || stats.cpu_stats?.cpu_usage?.percpu_usage?.length || 0;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * online * 100;
}

/**
 * Memory in use as `docker stats` shows it: usage minus the page cache that
 * can be reclaimed — `total_inactive_file` on cgroup v1, `inactive_file` on
 * cgroup v2 (the CLI since 20.10) — or `cache` from engines that report
 * neither (what the CLI subtracted up to 19.03). Never below zero.
 */
export function memoryUsage(memory: EngineStats['memory_stats']): number {
  const usage = memory?.usage ?? 0;
  const stats = memory?.stats ?? {};
  const reclaimable = stats['total_inactive_file'] ?? stats['inactive_file'] ?? stats['cache'] ?? 0;
  return reclaimable < usage ? usage - reclaimable : usage;
}

/** One stats reading as our StatsSample. */
export function statsSample(stats: EngineStats): StatsSample {
  return { cpuPercent: cpuPercent(stats), memoryBytes: memoryUsage(stats.memory_stats), memoryLimitBytes: stats.memory_stats?.limit ?? 0 };
}
