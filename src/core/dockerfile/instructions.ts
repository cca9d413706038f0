/**
 * Parsed instructions read as commands, as BuildKit's instructions layer
 * (frontend/dockerfile/instructions/parse.go) reads them before it builds:
 * the file split into global ARGs and stages, FROM's words, the argument
 * checks, flags, `--mount` options, ARG declarations, the automatic platform
 * ARGs, and expansion errors that name their line. Pure.
 */
import { DockstageError, StageGraphError } from '../errors.js';
import { closestName } from '../suggest.js';
import { expandWord, shortened, type EscapeToken, type Lookup } from './expand.js';
import type { DockerfileInstruction, ParsedDockerfile } from './parse.js';

/** BuildKit's rule for stage names (after lower-casing). */
const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;

/** What ARG and ENV values expand against: the build's arguments, BuildKit's automatic platform ARGs, the global ARGs. */
export interface ArgScope {
  readonly file: string;
  readonly escape: EscapeToken;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly platformArgs: Readonly<Record<string, string>>;
  readonly metaArgs: Readonly<Record<string, string | undefined>>;
}

/** The global ARGs (before the first FROM, with their effective values) and the instructions of each stage, FROM first. */
export function splitIntoStages(
  parsed: ParsedDockerfile,
  scope: Omit<ArgScope, 'metaArgs'>,
): { metaArgs: Record<string, string | undefined>; groups: DockerfileInstruction[][] } {
  const metaArgs: Record<string, string | undefined> = {};
  const metaLookup: Lookup = (name) => metaArgs[name] ?? scope.platformArgs[name];
  const groups: DockerfileInstruction[][] = [];
  for (const instruction of parsed.instructions) {
    if (instruction.keyword === 'FROM') {
      groups.push([instruction]);
    } else if (groups.length === 0) {
      if (instruction.keyword === 'ARG') {
        for (const [name, value] of argDeclarations(instruction, metaLookup, scope.escape, scope.file)) {
          metaArgs[name] = scope.buildArgs[name] ?? value;
        }
      }
      // BuildKit rejects anything else before FROM; the parser reports it, we keep going.
    } else {
      groups[groups.length - 1]!.push(instruction);
    }
  }
  if (groups.length === 0) {
    throw new StageGraphError('the Dockerfile has no FROM instruction', {
      location: { file: scope.file, line: parsed.instructions[0]?.startLine ?? 1 },
      hint: 'start each stage with FROM <image> [AS <name>]',
    });
  }
  return { metaArgs, groups };
}

/** FROM's image word and its `AS` name (lower-cased, checked as BuildKit checks it). */
export function fromWords(from: DockerfileInstruction, file: string): { imageWord: string; name: string | undefined } {
  const words = from.args;
  const imageWord = words[0];
  if (imageWord === undefined) {
    throw new StageGraphError('FROM needs an image or stage name', {
      location: { file, line: from.startLine },
      hint: 'write FROM <image> [AS <name>]',
    });
  }
  if (words.length >= 3 && words[1]!.toLowerCase() === 'as') {
    const name = words[2]!.toLowerCase();
    if (!STAGE_NAME.test(name)) {
      throw new StageGraphError(`invalid stage name '${words[2]}'`, {
        location: { file, line: from.startLine },
        hint: 'stage names start with a letter and use only letters, digits, ".", "-" and "_"',
      });
    }
    return { imageWord, name };
  }
  if (words.length !== 1) {
    throw new StageGraphError(`FROM takes an image and an optional "AS <name>", got: ${from.original}`, {
      location: { file, line: from.startLine },
      hint: 'write FROM <image> [AS <name>]',
    });
  }
  return { imageWord, name: undefined };
}

/** A parsed `RUN --mount`: `type` defaults to `bind` as in BuildKit, option keys are lower-case with `src`/`dst` normalised. */
export interface MountSpec {
  readonly type: string;
  readonly options: Readonly<Record<string, string>>;
}

const KEYWORDS = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

/**
 * The argument checks BuildKit makes when it turns parsed instructions into
 * commands (frontend/dockerfile/instructions): an unknown keyword, COPY/ADD
 * without a destination, ENV/LABEL/ARG without anything to set.
 */
export function validateInstruction(instruction: DockerfileInstruction, file: string): void {
  const { keyword, args, startLine: line } = instruction;
  const fail = (message: string, hint: string) => {
    throw new StageGraphError(message, { location: { file, line }, hint });
  };
  if (!KEYWORDS.includes(keyword)) {
    const close = closestName(keyword, KEYWORDS);
    fail(`unknown instruction: ${keyword}`, close === undefined ? `instructions: ${KEYWORDS.join(', ')}` : `did you mean ${close}?`);
  }
  if ((keyword === 'COPY' || keyword === 'ADD') && args.length < 2) {
    fail(`${keyword} requires at least two arguments (sources and a destination)`, `write ${keyword} <src>... <dest>`);
  }
  if ((keyword === 'ENV' || keyword === 'LABEL' || keyword === 'ARG') && args.length === 0) {
    fail(
      `${keyword} requires at least one argument`,
      keyword === 'ARG' ? 'write ARG <name>[=<default>]' : `write ${keyword} <key>=<value>`,
    );
  }
  if ((keyword === 'WORKDIR' || keyword === 'USER' || keyword === 'STOPSIGNAL') && args.length !== 1) {
    fail(`${keyword} requires exactly one argument`, `write ${keyword} <value>`);
  }
}

export function argDeclarations(
  instruction: DockerfileInstruction,
  lookup: Lookup,
  escape: EscapeToken,
  file: string,
): Array<[string, string | undefined]> {
  return instruction.args.map((word) => {
    const eq = word.indexOf('=');
    if (eq === -1) return [word, undefined];
    return [word.slice(0, eq), expandOrThrow(word.slice(eq + 1), lookup, escape, file, instruction.startLine)];
  });
}

export function expandOrThrow(word: string, lookup: Lookup, escape: EscapeToken, file: string, line: number): string {
  try {
    return expandWord(word, lookup, escape);
  } catch (error) {
    if (!(error instanceof DockstageError)) throw error;
    throw new StageGraphError(`cannot expand '${shortened(word)}': ${error.message}`, {
      location: { file, line },
      hint: 'pass the variable with --build-arg (or compose build.args) or give the ARG a default',
      cause: error,
    });
  }
}

export function flagValues(flags: readonly string[], name: string): string[] {
  const prefix = `--${name}=`;
  return flags.filter((flag) => flag.toLowerCase().startsWith(prefix)).map((flag) => flag.slice(prefix.length));
}

export function flagValue(flags: readonly string[], name: string): string | undefined {
  return flagValues(flags, name).at(-1);
}

export function hasFlag(flags: readonly string[], name: string): boolean {
  return flags.some((flag) => {
    const lower = flag.toLowerCase();
    return lower === `--${name}` || lower === `--${name}=true`;
  });
}

export function isHeredocSource(source: string, heredocNames: ReadonlySet<string>): boolean {
  const match = /^<<-?(["']?)([^"']+)\1$/.exec(source);
  return match !== null && (heredocNames.size === 0 || heredocNames.has(match[2]!));
}

export function isRemoteSource(source: string): boolean {
  return /^(https?:\/\/|git@|git:\/\/)/i.test(source) || (/\.git(#.*)?$/.test(source) && source.includes('://'));
}

/** Parses a `--mount` value (CSV of key=value, as BuildKit reads it). `src`/`dst` aliases are normalised. */
export function parseMount(value: string, file: string, line: number): MountSpec {
  const options: Record<string, string> = {};
  for (const field of splitCsv(value)) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).trim().toLowerCase();
    const raw = eq === -1 ? 'true' : field.slice(eq + 1);
    const canonical = key === 'src' ? 'source' : key === 'dst' || key === 'destination' ? 'target' : key;
    if (canonical === '') {
      throw new StageGraphError(`empty field in --mount=${value}`, {
        location: { file, line },
        hint: 'write --mount=type=<type>,key=value,…',
      });
    }
    options[canonical] = raw;
  }
  return { type: options['type'] ?? 'bind', options };
}

export function splitCsv(value: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '"') {
      if (quoted && value[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (char === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current);
  return fields.filter((field) => field !== '');
}

export function automaticPlatformArgs(platform: string): Record<string, string> {
  const [os = 'linux', arch = 'amd64', variant = ''] = platform.split('/');
  return {
    TARGETPLATFORM: platform,
    TARGETOS: os,
    TARGETARCH: arch,
    TARGETVARIANT: variant,
    BUILDPLATFORM: platform,
    BUILDOS: os,
    BUILDARCH: arch,
    BUILDVARIANT: variant,
  };
}
