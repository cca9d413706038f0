/**
 * Property: whatever text a user has in a Dockerfile or a `.dockerignore`,
 * dockstage answers with a result or a DockstageError (file, line, hint), never
 * with a crash (TypeError, RangeError, a stack overflow) that the CLI could only
 * print as an "unexpected failure". Inputs: random text, token soup from
 * Dockerfile syntax, and random mutations of BuildKit's parser test files and
 * the patternmatcher cases in ../shared/conformance (those suites skip without
 * the data, and fail in CI: test/support/conformance.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cacheHints } from '../../src/core/dockerfile/cache-hints.js';
import { createIgnoreMatcher, parseDockerignore } from '../../src/core/dockerfile/dockerignore.js';
import { parseDockerfile } from '../../src/core/dockerfile/parse.js';
import { buildStageGraph, stageClosure } from '../../src/core/dockerfile/stage-graph.js';
import { compileInputs, inputsReading } from '../../src/core/dockerfile/stage-inputs.js';
import { DockerfileParseError, DockstageError } from '../../src/core/errors.js';
import { CONFORMANCE_DIR as conformance, conformanceSuites } from '../support/conformance.js';

const describeWithConformance = conformanceSuites();
/** Enough runs to reach the parser's corners in well under a second each; raise with DOCKSTAGE_PROPERTY_RUNS to hunt. */
const RUNS = Number(process.env['DOCKSTAGE_PROPERTY_RUNS'] ?? 300);

function conformanceDockerfiles(): string[] {
  const texts: string[] = [];
  for (const folder of ['testfiles', 'testfiles-negative']) {
    const dir = path.join(conformance, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name, 'Dockerfile');
      if (existsSync(file)) texts.push(readFileSync(file, 'utf8'));
    }
  }
  return texts;
}

function conformanceIgnorePatterns(): string[] {
  const file = path.join(conformance, 'dockerignore', 'patternmatcher-cases.json');
  const cases = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const patterns = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string' && /pattern/i.test(key)) patterns.add(value);
    else if (Array.isArray(value)) value.forEach((item) => visit(item, key));
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(cases, '');
  return [...patterns].sort();
}

/** Pieces of Dockerfile syntax, so random concatenations reach deep into the parser instead of failing on line 1. */
const DOCKERFILE_TOKENS = [
  'FROM ',
  'FROM busybox',
  'FROM scratch',
  ' AS ',
  'base',
  'RUN ',
  'COPY ',
  'ADD ',
  'ENV ',
  'ARG ',
  'LABEL ',
  'ONBUILD ',
  'HEALTHCHECK ',
  'CMD ',
  'ENTRYPOINT ',
  'SHELL ',
  'WORKDIR ',
  'USER ',
  'EXPOSE ',
  'VOLUME ',
  'STOPSIGNAL ',
  'MAINTAINER ',
  '--from=',
  '--from=0',
  '--from=base',
  '--mount=',
  'type=cache,target=/x',
  'type=bind,source=.,target=/s,from=base',
  '--chmod=755',
  '--link',
  '--parents',
  '--exclude=*.md',
  '--platform=$BUILDPLATFORM',
  '--',
  '\n',
  '\r\n',
  '\\\n',
  '`\n',
  '\\',
  '`',
  ' ',
  '\t',
  '#',
  '# escape=`\n',
  '# escape=\\\n',
  '# syntax=docker/dockerfile:1\n',
  '\uFEFF',
  '<<EOF',
  '<<-EOF',
  "<<'EOF'",
  '<<"EOF"',
  '3<<EOF',
  'EOF\n',
  '\tEOF\n',
  '[',
  ']',
  '"',
  "'",
  ',',
  '=',
  '["a", "b"]',
  '[1]',
  '{',
  '}',
  '$',
  '${',
  '${A}',
  '${A:-x}',
  '${A:+y}',
  '${A#*}',
  '${A%%/*}',
  '$A',
  'src/',
  './',
  '.',
  '..',
  '/',
  '*',
  '**',
  '?',
  '[a-z]',
  'a=b',
  'k="v w"',
  'NONE',
  'x',
  'é',
  '😀',
  '\u0000',
];

const dockerfileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.array(fc.constantFrom(...DOCKERFILE_TOKENS), { maxLength: 80 }).map((parts) => parts.join('')),
);

/** A random edit of one of BuildKit's test Dockerfiles: cut, insert a token, duplicate or move a slice, truncate. */
function mutatedDockerfile(sources: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.record({
    kind: fc.constantFrom('cut', 'insert', 'duplicate', 'truncate', 'swap-lines'),
    at: fc.nat(),
    length: fc.nat({ max: 40 }),
    token: fc.constantFrom(...DOCKERFILE_TOKENS),
  });
  return fc.tuple(fc.constantFrom(...sources), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([source, edits]) =>
    edits.reduce((text, { kind, at, length, token }) => {
      const i = text.length === 0 ? 0 : at % (text.length + 1);
      switch (kind) {
        case 'cut':
          return text.slice(0, i) + text.slice(i + length);
        case 'insert':
          return text.slice(0, i) + token + text.slice(i);
        case 'duplicate':
          return text.slice(0, i + length) + text.slice(i, i + length) + text.slice(i + length);
        case 'truncate':
          return text.slice(0, i);
        case 'swap-lines': {
          const lines = text.split('\n');
          const a = at % lines.length;
          const b = (at + length) % lines.length;
          [lines[a], lines[b]] = [lines[b]!, lines[a]!];
          return lines.join('\n');
        }
      }
    }, source),
  );
}

/** What the loader does with a Dockerfile: parse, stage graph, every stage's closure, inputs, cache hints. */
function analyse(text: string): void {
  const parsed = parseDockerfile(text, { file: 'Dockerfile' });
  const graph = buildStageGraph(parsed, { file: 'Dockerfile', buildArgs: { A: 'a/b' }, namedContexts: ['ctx'], platform: 'linux/amd64' });
  for (const stage of graph.stages) {
    const closure = stageClosure(graph, stage.index);
    inputsReading('src/app.js', '.', compileInputs(graph, closure), undefined);
  }
  cacheHints(graph);
}

/** Runs `work`; fails the property with the input when it throws anything but a DockstageError. */
function onlyDockstageErrors(work: () => void, allowed: (error: unknown) => boolean = (error) => error instanceof DockstageError): boolean {
  try {
    work();
    return true;
  } catch (error) {
    if (allowed(error)) return true;
    throw error;
  }
}

describe('the Dockerfile parser on arbitrary text', () => {
  test('parseDockerfile returns a result or throws a DockerfileParseError, for random text and token soup', () => {
    fc.assert(
      fc.property(dockerfileText, (text) =>
        onlyDockstageErrors(
          () => parseDockerfile(text, { file: 'Dockerfile' }),
          (e) => e instanceof DockerfileParseError,
        ),
      ),
      { numRuns: RUNS },
    );
  });

  test('parse, stage graph, closures, inputs and hints only ever throw DockstageErrors, for random text and token soup', () => {
    fc.assert(
      fc.property(dockerfileText, (text) => onlyDockstageErrors(() => analyse(text))),
      { numRuns: RUNS },
    );
  });
});

describeWithConformance('the Dockerfile parser on mutated BuildKit test files', () => {
  const dockerfiles = conformanceDockerfiles();

  test('the conformance Dockerfiles are there to mutate', () => {
    expect(dockerfiles.length).toBeGreaterThan(30);
  });

  test('parseDockerfile returns a result or throws a DockerfileParseError', () => {
    fc.assert(
      fc.property(mutatedDockerfile(dockerfiles), (text) =>
        onlyDockstageErrors(
          () => parseDockerfile(text, { file: 'Dockerfile' }),
          (e) => e instanceof DockerfileParseError,
        ),
      ),
      { numRuns: RUNS },
    );
  });

  test('parse, stage graph, closures, inputs and hints only ever throw DockstageErrors', () => {
    fc.assert(
      fc.property(mutatedDockerfile(dockerfiles), (text) => onlyDockstageErrors(() => analyse(text))),
      { numRuns: RUNS },
    );
  });
});

const IGNORE_TOKENS = [
  '\n',
  '\r\n',
  '!',
  '#',
  '/',
  '*',
  '**',
  '?',
  '[',
  ']',
  '^',
  '-',
  '\\',
  'a',
  'z',
  '.',
  '..',
  ' ',
  '\t',
  '\uFEFF',
  '[z-a]',
  '[]',
  '[^]',
  '[\\',
  'src/',
  '*.md',
];
const PATHS = fc
  .array(fc.constantFrom('a', 'b', 'src', '.git', 'x.md', '**', '[', '\\', '..', '.', 'é', ' '), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join('/'));

/** Parses an ignore file and asks the matcher about each path in every way it can be asked. */
function matchEveryWay(text: string, paths: readonly string[]): void {
  const matcher = createIgnoreMatcher(parseDockerignore(text));
  for (const file of paths) {
    matcher.excludes(file);
    matcher.matchesOrParentMatches(file);
    matcher.matchesUsingParentResults(file);
    matcher.matches(file);
  }
}

describe('.dockerignore parsing and matching on arbitrary text', () => {
  const ignoreText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.constantFrom(...IGNORE_TOKENS), { maxLength: 40 }).map((parts) => parts.join('')),
  );

  test('parse, compile and every way of matching only ever throw DockstageErrors', () => {
    fc.assert(
      fc.property(ignoreText, fc.array(PATHS, { maxLength: 6 }), (text, paths) => onlyDockstageErrors(() => matchEveryWay(text, paths))),
      { numRuns: RUNS },
    );
  });
});

describeWithConformance('.dockerignore parsing and matching on recombined patternmatcher patterns', () => {
  const seeds = conformanceIgnorePatterns();
  const ignoreText = fc.array(fc.constantFrom(...seeds, ...IGNORE_TOKENS), { maxLength: 12 }).map((lines) => lines.join('\n'));

  test('the patternmatcher cases are there to recombine', () => {
    expect(seeds.length).toBeGreaterThan(20);
  });

  test('parse, compile and every way of matching only ever throw DockstageErrors', () => {
    fc.assert(
      fc.property(ignoreText, fc.array(PATHS, { maxLength: 6 }), (text, paths) => onlyDockstageErrors(() => matchEveryWay(text, paths))),
      { numRuns: RUNS },
    );
  });
});

describe('.dockerignore wildcard matching', () => {
  const pattern = fc
    .array(fc.constantFrom('a', 'b', '/', '*', '**', '?', '.', '!'), { minLength: 1, maxLength: 8 })
    .map((parts) => parts.join(''));
  const file = fc.array(fc.constantFrom('a', 'b', '/', '.', 'ab', 'ba'), { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));

  // Both spellings must be compiled as expressions: a `?` does that (without one, patternmatcher may compare
  // prefixes or suffixes instead, which `[a]` would switch off and so change the meaning). No `..`: cleaning the
  // pattern can drop the `?` with it (`?/../**a` is `**a`, a suffix pattern again).
  test('the linear-time matcher agrees with the translated RE2 expression (forced by writing a as [a])', () => {
    fc.assert(
      fc.property(pattern, fc.array(file, { minLength: 1, maxLength: 5 }), (written, files) => {
        fc.pre(written.includes('?') && !written.includes('..'));
        const viaExpression = written.replaceAll('a', '[a]');
        let linear: ReturnType<typeof createIgnoreMatcher>;
        let expression: ReturnType<typeof createIgnoreMatcher>;
        try {
          linear = createIgnoreMatcher([written]);
          expression = createIgnoreMatcher([viaExpression]);
        } catch (error) {
          if (error instanceof DockstageError) return true;
          throw error;
        }
        for (const name of files) {
          expect([name, linear.excludes(name), linear.matches(name)]).toEqual([name, expression.excludes(name), expression.matches(name)]);
        }
        return true;
      }),
      { numRuns: RUNS * 3 },
    );
  });

  test('`*.x` and `**/*.x` patterns (matched without the simulation) agree with the translated RE2 expression', () => {
    const shaped = fc
      .tuple(fc.boolean(), fc.array(fc.constantFrom('a', 'b', '.', 'é'), { maxLength: 4 }))
      .map(([dirs, tail]) => `${dirs ? '**/' : ''}*${tail.join('')}`);
    const name = fc
      .array(fc.constantFrom('a', 'b', '/', '.', '\n', 'é', 'ab', '.a'), { minLength: 1, maxLength: 10 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(shaped, fc.array(name, { minLength: 1, maxLength: 5 }), (written, files) => {
        // [a] keeps the meaning and makes the pattern an expression
        fc.pre(/[aé]/u.test(written));
        const viaExpression = written.replace(/[aé]/gu, (letter) => `[${letter}]`);
        const fast = createIgnoreMatcher([written]);
        const expression = createIgnoreMatcher([viaExpression]);
        for (const file of files) {
          expect([file, fast.excludes(file), fast.matches(file)]).toEqual([file, expression.excludes(file), expression.matches(file)]);
        }
        return true;
      }),
      { numRuns: RUNS * 3 },
    );
  });

  test('a matcher that has answered for other paths (its directory memory warm) answers as a fresh one', () => {
    const deepFile = fc.array(fc.constantFrom('a', 'b', 'ab', '.x'), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 4 }),
        fc.array(deepFile, { minLength: 1, maxLength: 12 }),
        (patterns, files) => {
          let shared: ReturnType<typeof createIgnoreMatcher>;
          try {
            shared = createIgnoreMatcher(patterns);
          } catch (error) {
            if (error instanceof DockstageError) return true;
            throw error;
          }
          for (const name of files) {
            expect([name, shared.excludes(name)]).toEqual([name, createIgnoreMatcher(patterns).excludes(name)]);
          }
          return true;
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });
});
