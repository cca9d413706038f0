/**
 * BuildKit's own parser test data (see ../shared/conformance/README.md), run
 * against our parser. The data lives outside the repo; if it is missing these
 * suites skip with one line saying so, and fail in CI (test/support/conformance.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { DockerfileParseError } from '../../src/core/errors.js';
import { detectSyntax, findDirective, parseDirectives } from '../../src/core/dockerfile/directives.js';
import { chompHeredocContent, heredocsFromLine, parseHeredoc, type DockerfileHeredoc } from '../../src/core/dockerfile/heredoc.js';
import { splitQuotedWords } from '../../src/core/dockerfile/line-parsers.js';
import { dumpAst, parseDockerfile } from '../../src/core/dockerfile/parse.js';
import { CONFORMANCE_DIR as conformanceDir, conformancePresent as available, conformanceSuites } from '../support/conformance.js';

const describeWithConformance = conformanceSuites();

interface HeredocCases {
  extractsHeredoc: {
    dockerfile: string;
    expected: { astChildIndex: number; label: string; heredocs: DockerfileHeredoc[] | null }[];
  };
  jsonFormNoHeredoc: { dockerfile: string; expectedNoHeredocsForChildren: number[] };
  chomp: { input: string; expected: string };
  parseHeredocHelper: { validNamedEOF: string[]; invalid_expectError: string[]; notHeredoc_expectNil: string[] };
  fromLine: { line: string; heredocNames: string[] | null }[];
}

interface ExtraCases {
  lineNumbers: {
    dockerfile: string;
    expectedAst: { startLine: number; endLine: number; childCount: number; childLineRanges: [number, number][] };
  };
  emptyContinuationWarnings: {
    dockerfile: string;
    expectedWarningCount: number;
    expectedWarningShortContains: string[][];
    expectedFirstWarningDetailContains: string;
  };
  lineTooLong: { expectedError: string };
  parseWords: { cases: { input: string; expect: string[] }[] };
  directives: { test: string; input: string; expected: { name: string; value: string }[] }[];
  detectSyntax: {
    input?: string;
    inputBase64?: string;
    ok: boolean;
    ref?: string;
    cmdline?: string;
    line?: number;
  }[];
  parseDirectiveCheck: { input: string; ok: boolean; value?: string; cmdline?: string; line?: number }[];
}

function read(...parts: string[]): string {
  return readFileSync(path.join(conformanceDir, ...parts), 'utf8');
}

function readJson<T>(name: string): T {
  return JSON.parse(read(name)) as T;
}

function caseNames(dir: string): string[] {
  return available ? readdirSync(path.join(conformanceDir, dir)).sort() : [];
}

const positive = caseNames('testfiles');
const negative = caseNames('testfiles-negative');
const heredoc = available ? readJson<HeredocCases>('heredoc-cases.json') : undefined;
const extra = available ? readJson<ExtraCases>('parser-extra-cases.json') : undefined;

/** Counts run and passed cases per section for the summary line. */
const tally = new Map<string, { total: number; passed: number }>(
  ['positive', 'negative', 'line ranges', 'heredoc', 'parser-extra'].map((section) => [section, { total: 0, passed: 0 }]),
);
function counted(section: string, body: () => void): () => void {
  const entry = tally.get(section) ?? { total: 0, passed: 0 };
  entry.total++;
  tally.set(section, entry);
  return () => {
    body();
    entry.passed++;
  };
}

afterAll(() => {
  if (!available) return;
  const parts = [...tally].map(([section, { total, passed }]) => `${passed}/${total} ${section}`);
  console.log(`dockerfile conformance: ${parts.join(', ')} passed`);
});

describeWithConformance('BuildKit parser conformance data', () => {
  test('is present at ../shared/conformance', () => {
    expect(available, `missing ${conformanceDir}`).toBe(true);
    expect(positive).toHaveLength(33);
    expect(negative).toHaveLength(4);
  });
});

describeWithConformance('testfiles: AST dump equals BuildKit result', () => {
  test.each(positive)('%s', (name) =>
    counted('positive', () => {
      const parsed = parseDockerfile(read('testfiles', name, 'Dockerfile'), { file: `${name}/Dockerfile` });
      expect(`${dumpAst(parsed)}\n`).toBe(read('testfiles', name, 'result'));
    })(),
  );
});

describeWithConformance('testfiles-negative: parse errors with a line', () => {
  test.each(negative)('%s', (name) =>
    counted('negative', () => {
      const file = `${name}/Dockerfile`;
      let caught: unknown;
      try {
        parseDockerfile(read('testfiles-negative', name, 'Dockerfile'), { file });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DockerfileParseError);
      const error = caught as DockerfileParseError;
      expect(error.location.file).toBe(file);
      expect(error.location.line).toBeGreaterThanOrEqual(1);
      expect(error.hint).toBeTruthy();
    })(),
  );
});

describeWithConformance('testfile-line: instruction line ranges', () => {
  test(
    'matches TestParseIncludesLineNumbers',
    counted('line ranges', () => {
      const expected = extra?.lineNumbers.expectedAst;
      const { instructions } = parseDockerfile(read('testfile-line', 'Dockerfile'), { file: 'Dockerfile' });
      expect(instructions[0]?.startLine).toBe(expected?.startLine);
      expect(instructions.at(-1)?.endLine).toBe(expected?.endLine);
      expect(instructions).toHaveLength(expected?.childCount ?? -1);
      expect(instructions.map((i) => [i.startLine, i.endLine])).toEqual(expected?.childLineRanges);
    }),
  );
});

describeWithConformance('heredoc-cases.json', () => {
  const extracts = heredoc?.extractsHeredoc;
  const parsedExtracts = () => parseDockerfile(extracts?.dockerfile ?? '', { file: 'Dockerfile' });

  test.each(extracts?.expected ?? [])('extracts heredocs of child $astChildIndex ($label)', ({ astChildIndex, heredocs }) =>
    counted('heredoc', () => {
      const child = parsedExtracts().instructions[astChildIndex];
      expect(child).toBeDefined();
      expect(child?.heredocs).toEqual(heredocs ?? []);
    })(),
  );

  test.each(heredoc?.jsonFormNoHeredoc.expectedNoHeredocsForChildren ?? [])('JSON form child %i has no heredocs', (index) =>
    counted('heredoc', () => {
      const { instructions } = parseDockerfile(heredoc?.jsonFormNoHeredoc.dockerfile ?? '', { file: 'Dockerfile' });
      expect(instructions[index]?.json).toBe(true);
      expect(instructions[index]?.heredocs).toEqual([]);
    })(),
  );

  test(
    'chomp strips leading tabs',
    counted('heredoc', () => {
      expect(chompHeredocContent(heredoc?.chomp.input ?? '')).toBe(heredoc?.chomp.expected);
    }),
  );

  test.each(heredoc?.parseHeredocHelper.validNamedEOF ?? [])('parseHeredoc(%j) names EOF', (word) =>
    counted('heredoc', () => expect(parseHeredoc(word)?.name).toBe('EOF'))(),
  );

  test.each(heredoc?.parseHeredocHelper.invalid_expectError ?? [])('parseHeredoc(%j) throws', (word) =>
    counted('heredoc', () => expect(() => parseHeredoc(word)).toThrow())(),
  );

  test.each(heredoc?.parseHeredocHelper.notHeredoc_expectNil ?? [])('parseHeredoc(%j) is not a heredoc', (word) =>
    counted('heredoc', () => expect(parseHeredoc(word)).toBeUndefined())(),
  );

  // Upstream compares the names found index by index against the list; with no list, none may be found.
  test.each(heredoc?.fromLine ?? [])('heredocsFromLine($line)', ({ line, heredocNames }) =>
    counted('heredoc', () => {
      const names = heredocsFromLine(line).map((h) => h.name);
      expect(names).toEqual((heredocNames ?? []).slice(0, names.length));
    })(),
  );
});

describeWithConformance('parser-extra-cases.json', () => {
  test(
    'empty continuation lines warn',
    counted('parser-extra', () => {
      const cases = extra?.emptyContinuationWarnings;
      const { warnings } = parseDockerfile(cases?.dockerfile ?? '', { file: 'Dockerfile' });
      expect(warnings).toHaveLength(cases?.expectedWarningCount ?? -1);
      cases?.expectedWarningShortContains.forEach((parts, i) => {
        for (const part of parts) expect(warnings[i]?.message).toContain(part);
      });
      expect(warnings[0]?.detail).toContain(cases?.expectedFirstWarningDetailContains);
    }),
  );

  test(
    'a line over 65535 bytes is an error',
    counted('parser-extra', () => {
      const text = `\n\t\tFROM image\n\t\tLABEL test=${'a'.repeat(65536)}\n`;
      expect(() => parseDockerfile(text, { file: 'Dockerfile' })).toThrow(extra?.lineTooLong.expectedError);
    }),
  );

  test.each(extra?.parseWords.cases ?? [])('splitQuotedWords($input)', ({ input, expect: words }) =>
    counted('parser-extra', () => expect(splitQuotedWords(input)).toEqual(words))(),
  );

  test.each(extra?.directives ?? [])('$test', ({ input, expected }) =>
    counted('parser-extra', () => {
      expect(parseDirectives(input).map(({ name, value }) => ({ name, value }))).toEqual(expected);
    })(),
  );

  test.each(extra?.detectSyntax ?? [])('detectSyntax %#', (c) =>
    counted('parser-extra', () => {
      const input = c.input ?? Buffer.from(c.inputBase64 ?? '', 'base64').toString('utf8');
      const found = detectSyntax(input);
      if (!c.ok) {
        expect(found).toBeUndefined();
        return;
      }
      expect(found?.value).toBe(c.ref);
      if (c.cmdline !== undefined) expect(found?.cmdline).toBe(c.cmdline);
      if (c.line !== undefined) expect(found?.line).toBe(c.line);
    })(),
  );

  test.each(extra?.parseDirectiveCheck ?? [])('findDirective(check) %#', (c) =>
    counted('parser-extra', () => {
      const found = findDirective('check', c.input);
      if (!c.ok) {
        expect(found).toBeUndefined();
        return;
      }
      expect(found?.value).toBe(c.value);
      if (c.cmdline !== undefined) expect(found?.cmdline).toBe(c.cmdline);
      if (c.line !== undefined) expect(found?.line).toBe(c.line);
    })(),
  );

  test('the BOM case really starts with a BOM', () => {
    const bom = extra?.detectSyntax.find((c) => c.inputBase64 !== undefined);
    expect(
      Buffer.from(bom?.inputBase64 ?? '', 'base64')
        .toString('utf8')
        .startsWith('\uFEFF'),
    ).toBe(true);
  });
});
