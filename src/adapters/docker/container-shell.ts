/**
 * A shell in a running container for the TUI's `x`: `docker exec -it <id>
 * bash`, or `sh` when the image has no bash (checked first with a
 * non-interactive `bash -c true`, so a user's own failing command is never
 * mistaken for a missing bash). The terminal is inherited: the caller must
 * have left raw mode and the alternate screen.
 */
import { spawn } from 'node:child_process';

/** The environment the docker CLI runs with (DOCKER_HOST, DOCKER_CONTEXT…). */
export type ShellEnv = NodeJS.ProcessEnv;

function exitCode(args: readonly string[], env: ShellEnv, stdio: 'inherit' | 'ignore'): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('docker', [...args], { stdio, env });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

/** Which shell the container has: `bash` when it runs, else `sh`. */
export async function containerShell(containerId: string, env: ShellEnv): Promise<'bash' | 'sh'> {
  return (await exitCode(['exec', containerId, 'bash', '-c', 'true'], env, 'ignore')) === 0 ? 'bash' : 'sh';
}

/** Runs an interactive shell in the container on the inherited terminal; resolves with its exit code and the shell used. */
export async function openContainerShell(
  containerId: string,
  env: ShellEnv,
): Promise<{ readonly shell: 'bash' | 'sh'; readonly exitCode: number }> {
  const shell = await containerShell(containerId, env);
  return { shell, exitCode: await exitCode(['exec', '-it', containerId, shell], env, 'inherit') };
}
