/**
 * Where dockstage keeps its own files in a project (`.dockstage/<project>/`:
 * the remembered environment, the override files) and the labels it puts on
 * containers and images. Apart from the override's YAML rendering
 * (override.ts), so the commands that only read these names do not load a
 * YAML library.
 */
/** Container labels dockstage adds (read back by `status` and the UI). */
export const ENVIRONMENT_LABEL = 'dev.dockstage.environment';
/** The stage a container (and a built image) was made for; `status` prefers it to the workspace's current choice. */
export const TARGET_LABEL = 'dev.dockstage.target';
/** The compose project an image was built for: `down --rmi` finds by it the images no tag names any more. */
export const PROJECT_LABEL = 'dev.dockstage.project';

/** dockstage's own directory in the project directory: one folder per compose project name inside. */
export const STATE_DIR = '.dockstage';

/**
 * The state folder of one compose project, relative to the project directory:
 * `.dockstage/<project>`. Two `-p` names in one directory are two projects to
 * compose, so they never share a remembered environment or an override file.
 * Compose project names are `[a-z0-9][a-z0-9_-]*`, safe as a folder name.
 */
export function projectStateDir(projectName: string): string {
  return `${STATE_DIR}/${projectName}`;
}

/** The override file of a project's environment, relative to the project directory: `.dockstage/<project>/<env>.compose.yaml`. */
export function overrideFilePath(projectName: string, environment: string): string {
  return `${projectStateDir(projectName)}/${environment}.compose.yaml`;
}

/**
 * Where dockstage 0.1 wrote the override file (`.dockstage/<env>.compose.yaml`,
 * shared by every project name). Read as a fallback only; new code writes
 * `overrideFilePath`.
 * @deprecated use overrideFilePath(projectName, environment)
 */
export function overrideFileName(environment: string): string {
  return `${STATE_DIR}/${environment}.compose.yaml`;
}
