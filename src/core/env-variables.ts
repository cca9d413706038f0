/**
 * Checks on the process environment variables dockstage itself reads (the
 * docker CLI and compose check theirs). A wrong value is one error or warning
 * that names the variable, instead of a surprise later. Pure: values come in
 * through `lookup`.
 */
import { ConfigError, DockstageError } from './errors.js';

/** Shows stack traces of unexpected failures when on. */
export const DEBUG_VARIABLE = 'DOCKSTAGE_DEBUG';

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['', '0', 'false', 'no', 'off'];

/** DOCKSTAGE_DEBUG as a switch: 1/true/yes/on, 0/false/no/off or unset; anything else is off, with a warning naming it. */
export function debugSetting(lookup: (name: string) => string | undefined): {
  readonly enabled: boolean;
  readonly warning: DockstageError | undefined;
} {
  const value = lookup(DEBUG_VARIABLE);
  if (value === undefined) return { enabled: false, warning: undefined };
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return { enabled: true, warning: undefined };
  if (FALSE_WORDS.includes(word)) return { enabled: false, warning: undefined };
  return {
    enabled: false,
    warning: new DockstageError(`${DEBUG_VARIABLE}=${value} is not on or off; debug output stays off`, {
      hint: `set ${DEBUG_VARIABLE}=1 to show stack traces, or unset it`,
    }),
  };
}

/** Operating systems and architectures (with the usual aliases) that BuildKit's platform parser knows. */
const KNOWN_OS = [
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'wasip1',
  'windows',
  'zos',
];
const KNOWN_ARCH = [
  '386',
  'i386',
  'amd64',
  'x86_64',
  'x86-64',
  'amd64p32',
  'arm',
  'armel',
  'armhf',
  'armbe',
  'arm64',
  'aarch64',
  'arm64be',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'ppc64',
  'ppc64le',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm',
];

/**
 * A platform as `os[/arch[/variant]]` (`linux/amd64`, `linux/arm/v7`), or a ConfigError naming `variable` when it is
 * not one: the docker CLI refuses such a DOCKER_DEFAULT_PLATFORM too, so dockstage says so before planning with it.
 */
export function checkPlatform(value: string, variable: string): ConfigError | undefined {
  const parts = value.trim().toLowerCase().split('/');
  const [os, arch, variant] = parts;
  const valid =
    parts.length <= 3 &&
    os !== undefined &&
    KNOWN_OS.includes(os) &&
    (arch === undefined || KNOWN_ARCH.includes(arch)) &&
    (variant === undefined || /^[a-z0-9]+$/.test(variant));
  if (valid) return undefined;
  return new ConfigError(`${variable}=${value} is not a platform`, {
    hint: `use os/arch[/variant], e.g. linux/amd64 or linux/arm64, or unset ${variable}`,
  });
}
