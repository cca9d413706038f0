/**
 * Runs the upstream .dockerignore cases (moby/patternmatcher, tonistiigi/fsutil,
 * moby/buildkit) from ../shared/conformance/dockerignore against our port.
 * Every case runs; the few that need an adaptation say so where they run.
 * Without the data the suite skips with one line saying so, and fails in CI
 * (test/support/conformance.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compileCopySource, filterContextFiles, walkContext, type ContextEntry } from '../../src/core/dockerfile/copy-sources.js';
import { createIgnoreMatcher, parseDockerignore } from '../../src/core/dockerfile/dockerignore.js';
import { chooseIgnoreFile } from '../../src/core/ignore-file.js';
import { CONFORMANCE_DIR, conformanceSuites } from '../support/conformance.js';

const dataDir = path.join(CONFORMANCE_DIR, 'dockerignore');

const load = <T>(file: string): T => JSON.parse(readFileSync(path.join(dataDir, file), 'utf8')) as T;

interface MatchCase {
  readonly patterns: string[];
  readonly path: string;
  readonly expected: boolean;
  readonly expectError?: boolean;
  readonly nonWindowsOnly?: boolean;
  readonly test?: string;
}
interface PatternmatcherData {
  readonly matchesOrParentMatches: MatchCase[];
  readonly legacyMatches: MatchCase[];
  readonly newErrors: { patterns: string[]; test: string }[];
  readonly cleanPatterns: { patterns: string[]; expectedCount?: number; expectExclusions?: boolean; test: string }[];
  readonly malformedPatternRepeatedCall: { patterns: string[]; newSucceeds: boolean; path: string; test: string };
  readonly readAll: { input: string | null; expected: string[]; test: string }[];
}
interface TreeEntry {
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly linkTarget?: string;
}
interface WalkCase {
  readonly test: string;
  readonly tree: TreeEntry[];
  readonly includePatterns?: string[];
  readonly excludePatterns?: string[];
  readonly followPaths?: string[];
  readonly stackedExcludePatterns?: string[][];
  readonly expectError: boolean;
  readonly expectedWalk?: string[];
  readonly expectedOpen?: Record<string, string>;
}
interface BuildkitCase {
  readonly name: string;
  readonly dockerfile: string;
  readonly dockerfileFilename?: string;
  readonly contextFiles: Record<string, string>;
  readonly expectError: boolean;
  readonly effectiveIgnoreFile?: string;
  readonly expectedPresentInImage?: string[];
  readonly expectedAbsentFromImage?: string[];
}

conformanceSuites()('.dockerignore conformance: patternmatcher, fsutil, BuildKit', () => {
  const patternmatcher = load<PatternmatcherData>('patternmatcher-cases.json');
  const fsutil = load<{ cases: WalkCase[] }>('fsutil-walk-cases.json');
  const buildkit = load<{ cases: BuildkitCase[] }>('buildkit-dockerignore-integration.json');

  const passed = { patternmatcher: 0, walkOrder: 0, legacy: 0, newAndClean: 0, readAll: 0, fsutil: 0, buildkit: 0 };
  const totals = {
    patternmatcher: patternmatcher.matchesOrParentMatches.length,
    legacy: patternmatcher.legacyMatches.length,
    newAndClean: patternmatcher.newErrors.length + patternmatcher.cleanPatterns.length + 1,
    readAll: patternmatcher.readAll.length,
    fsutil: fsutil.cases.length,
    buildkit: buildkit.cases.length,
  };

  afterAll(() => {
    console.log(
      `dockerignore conformance: patternmatcher ${passed.patternmatcher}/${totals.patternmatcher} (walk order ${passed.walkOrder}/${totals.patternmatcher}), ` +
        `legacy ${passed.legacy}/${totals.legacy}, New/clean ${passed.newAndClean}/${totals.newAndClean}, readAll ${passed.readAll}/${totals.readAll}, ` +
        `fsutil walk ${passed.fsutil}/${totals.fsutil}, buildkit ${passed.buildkit}/${totals.buildkit} passed`,
    );
  });

  const label = (c: MatchCase): string =>
    `${JSON.stringify(c.patterns)} ${c.expected ? 'matches' : 'does not match'} ${JSON.stringify(c.path)}${c.expectError ? ' (error)' : ''}`;

  describe('patternmatcher MatchesOrParentMatches', () => {
    // nonWindowsOnly rows apply as they stand: dockstage matches Linux paths.
    test.each(patternmatcher.matchesOrParentMatches.map((c) => [label(c), c] as const))('%s', (_, c) => {
      expect(createIgnoreMatcher(c.patterns).matchesOrParentMatches(c.path)).toBe(c.expected);
      passed.patternmatcher++;
    });

    // Upstream runs the same table through MatchesUsingParentResults, which is the
    // order `excludes` evaluates in (each ancestor first, results handed down).
    test.each(patternmatcher.matchesOrParentMatches.map((c) => [label(c), c] as const))('walk order: %s', (_, c) => {
      expect(createIgnoreMatcher(c.patterns).excludes(c.path)).toBe(c.expected);
      passed.walkOrder++;
    });
  });

  describe('patternmatcher legacy Matches', () => {
    test.each(patternmatcher.legacyMatches.map((c) => [label(c), c] as const))('%s', (_, c) => {
      if (c.expectError) expect(() => createIgnoreMatcher(c.patterns).matches(c.path)).toThrow(/is not a valid pattern/);
      else expect(createIgnoreMatcher(c.patterns).matches(c.path)).toBe(c.expected);
      passed.legacy++;
    });
  });

  describe('patternmatcher New and pattern cleaning', () => {
    test.each(patternmatcher.newErrors.map((c) => [c.test, c] as const))('%s', (_, c) => {
      expect(() => createIgnoreMatcher(c.patterns)).toThrow(/"!" is not a valid pattern/);
      passed.newAndClean++;
    });

    test.each(patternmatcher.cleanPatterns.map((c) => [c.test, c] as const))('%s', (_, c) => {
      const matcher = createIgnoreMatcher(c.patterns);
      if (c.expectedCount !== undefined) expect(matcher.patterns).toHaveLength(c.expectedCount);
      if (c.expectExclusions !== undefined) expect(matcher.hasExceptions).toBe(c.expectExclusions);
      passed.newAndClean++;
    });

    const malformed = patternmatcher.malformedPatternRepeatedCall;
    test(`${malformed.test}: New succeeds and every evaluation fails`, () => {
      const matcher = createIgnoreMatcher(malformed.patterns);
      expect(malformed.newSucceeds).toBe(true);
      expect(() => matcher.matchesOrParentMatches(malformed.path)).toThrow(/out of order/);
      expect(() => matcher.matchesOrParentMatches(malformed.path)).toThrow(/out of order/);
      expect(() => matcher.excludes(malformed.path)).toThrow(/out of order/);
      passed.newAndClean++;
    });
  });

  describe('ignorefile ReadAll', () => {
    // A nil reader (input null) has no text at all: the nearest input our string
    // API has is the empty string, which must give the same zero entries.
    test.each(patternmatcher.readAll.map((c) => [c.test, c] as const))('%s', (_, c) => {
      expect(parseDockerignore(c.input ?? '')).toEqual(c.expected);
      passed.readAll++;
    });
  });

  const formatEntry = (entry: ContextEntry): string =>
    `${entry.type === 'symlink' ? `symlink:${entry.linkTarget ?? ''}` : entry.type} ${entry.path}`;

  describe('fsutil filtered walk', () => {
    test.each(fsutil.cases.map((c, i) => [`${c.test} #${i}`, c] as const))('%s', (_, c) => {
      const tree: ContextEntry[] = c.tree.map((e) =>
        e.type === 'symlink' ? { path: e.path, type: e.type, linkTarget: e.linkTarget ?? '' } : { path: e.path, type: e.type },
      );
      const walk = (): ContextEntry[] => {
        if (c.stackedExcludePatterns !== undefined) {
          // Stacked filters: each NewFilterFS walks what the inner one emits.
          return c.stackedExcludePatterns.reduce<ContextEntry[]>((entries, exclude) => walkContext(entries, { exclude }), tree);
        }
        return walkContext(tree, {
          ...(c.includePatterns === undefined ? {} : { include: c.includePatterns }),
          ...(c.excludePatterns === undefined ? {} : { exclude: c.excludePatterns }),
          ...(c.followPaths === undefined ? {} : { followPaths: c.followPaths }),
        });
      };
      if (c.expectError) {
        expect(walk).toThrow(/is not a valid pattern/);
      } else {
        const walked = walk();
        if (c.expectedWalk !== undefined) expect(walked.map(formatEntry)).toEqual(c.expectedWalk);
        if (c.expectedOpen !== undefined) {
          // filterFS.Open answers with MatchesOrParentMatches on the include and
          // the exclude patterns; ErrNotExist means the filter hides the path.
          const include = c.includePatterns === undefined ? undefined : createIgnoreMatcher(c.includePatterns);
          const exclude = c.excludePatterns === undefined ? undefined : createIgnoreMatcher(c.excludePatterns);
          const opens = (p: string): boolean =>
            (include?.matchesOrParentMatches(p) ?? true) && !(exclude?.matchesOrParentMatches(p) ?? false);
          for (const [p, outcome] of Object.entries(c.expectedOpen)) expect(opens(p), `open ${p}`).toBe(outcome.startsWith('ok'));
          // The walk agrees with Open on every file it was asked about.
          const files = new Set(walked.filter((e) => e.type === 'file').map((e) => e.path));
          for (const [p, outcome] of Object.entries(c.expectedOpen)) expect(files.has(p), `walk has ${p}`).toBe(outcome.startsWith('ok'));
        }
      }
      passed.fsutil++;
    });
  });

  describe('BuildKit dockerignore integration', () => {
    test.each(buildkit.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
      // The Dockerfiles are `FROM …` + `COPY <src> <dest>` (+ a RUN check that the
      // expected lists restate); the image receives what the COPY reads of what
      // the client sends.
      const copy = /^COPY\s+(\S+)\s+\S+\s*$/m.exec(c.dockerfile);
      expect(copy?.[1]).toBeDefined();
      const source = compileCopySource(copy![1]!);
      const files = new Map(Object.entries(c.contextFiles));
      const ignoreFile = chooseIgnoreFile(c.dockerfileFilename ?? 'Dockerfile', '.', files);
      const text = ignoreFile === undefined ? '' : files.get(ignoreFile)!;
      if (c.effectiveIgnoreFile !== undefined) expect(c.contextFiles[c.effectiveIgnoreFile]).toBe(text);
      const inImage = (): string[] =>
        filterContextFiles(Object.keys(c.contextFiles), { exclude: parseDockerignore(text) }).filter((p) => source.reads(p));
      if (c.expectError) {
        expect(inImage).toThrow(/is not a valid pattern/);
      } else {
        const image = inImage();
        for (const present of c.expectedPresentInImage ?? []) expect(image).toContain(present);
        for (const absent of c.expectedAbsentFromImage ?? []) expect(image).not.toContain(absent);
      }
      passed.buildkit++;
    });
  });
});
