/**
 * Builders for literal test inputs: a compose project as `docker compose config
 * --format json` would print it, and a workspace built from it with in-memory
 * Dockerfiles. Keeps unit tests short and free of I/O.
 */
import { projectFromConfig, type ComposeProject } from '../../src/core/compose/project.js';
import { parseDockstageConfig } from '../../src/core/environments.js';
import { buildWorkspace, type Workspace } from '../../src/core/workspace.js';

export interface ServiceSpec {
  readonly build?: {
    context: string;
    dockerfile?: string;
    target?: string;
    args?: Record<string, string>;
    additional_contexts?: Record<string, string>;
  };
  readonly image?: string;
  readonly depends_on?: Record<string, { condition?: string; restart?: boolean }>;
  readonly volumes?: { type: string; source: string; target: string }[];
  readonly ports?: { target: number; published?: string }[];
  /** Container settings, kept in the service's resolved definition as compose prints them. */
  readonly environment?: Record<string, string>;
}

export class ProjectBuilder {
  private readonly services: Record<string, ServiceSpec> = {};
  private readonly files = new Map<string, string | null>();
  private dockstage: unknown;

  constructor(
    private readonly name: string,
    readonly dir: string,
  ) {}

  service(name: string, spec: ServiceSpec): this {
    this.services[name] = spec;
    return this;
  }

  /** A file the workspace reads (Dockerfile or ignore file), by absolute path. */
  file(path: string, text: string): this {
    this.files.set(path, text);
    return this;
  }

  config(xDockstage: unknown): this {
    this.dockstage = xDockstage;
    return this;
  }

  composeProject(): ComposeProject {
    const json: Record<string, unknown> = { name: this.name, services: this.services };
    if (this.dockstage !== undefined) json['x-dockstage'] = this.dockstage;
    return projectFromConfig(json);
  }

  workspace(environment = 'dev'): Workspace {
    const project = this.composeProject();
    const config = parseDockstageConfig(project.extensions['x-dockstage']);
    if (config.errors.length > 0) throw new Error(config.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    const { workspace, errors } = buildWorkspace({ project, projectDir: this.dir, config: config.value, environment, files: this.files });
    if (workspace === undefined) throw new Error(errors.map((e) => e.message).join('\n'));
    return workspace;
  }

  errors(environment = 'dev'): string[] {
    const project = this.composeProject();
    const config = parseDockstageConfig(project.extensions['x-dockstage']);
    const { workspace, errors } = buildWorkspace({ project, projectDir: this.dir, config: config.value, environment, files: this.files });
    // A problem of one service blocks only that service; tests read both kinds as the user sees them.
    const all = [...errors, ...(workspace?.services.flatMap((s) => s.blocked) ?? [])];
    return all.map((e) => `${e.location.path ?? e.location.file ?? ''}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  }
}

export function project(name = 'shop', dir = '/p'): ProjectBuilder {
  return new ProjectBuilder(name, dir);
}

/** Joins lines into Dockerfile text. */
export function dockerfile(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
