import { describe, expect, test } from 'vitest';
import { DockerfileParseError } from '../../../../src/core/errors.js';
import { goQuote } from '../../../../src/core/dockerfile/go-strings.js';
import { chompHeredocContent } from '../../../../src/core/dockerfile/heredoc.js';
import { dumpAst, parseDockerfile, type DockerfileInstruction } from '../../../../src/core/dockerfile/parse.js';

const file = 'web/Dockerfile';

function parse(...lines: string[]) {
  return parseDockerfile(lines.join('\n'), { file });
}

function instructions(...lines: string[]): readonly DockerfileInstruction[] {
  return parse(...lines).instructions;
}

function parseError(...lines: string[]): DockerfileParseError {
  try {
    parse(...lines);
  } catch (error) {
    if (error instanceof DockerfileParseError) return error;
    throw error;
  }
  throw new Error('expected a DockerfileParseError');
}

describe('parseDockerfile: multi-stage instructions', () => {
  test('FROM x AS name keeps AS as a plain word', () => {
    const [from] = instructions('FROM node:20-alpine AS deps');
    expect(from).toMatchObject({ keyword: 'FROM', flags: [], args: ['node:20-alpine', 'AS', 'deps'], json: false });
  });

  test('FROM --platform=… x AS y puts the platform in flags', () => {
    const [from] = instructions('FROM --platform=$BUILDPLATFORM golang:1.22 AS build');
    expect(from?.flags).toEqual(['--platform=$BUILDPLATFORM']);
    expect(from?.args).toEqual(['golang:1.22', 'AS', 'build']);
  });

  test('COPY --from=builder --chown=1:1 a b /dst/ splits flags and sources', () => {
    const [copy] = instructions('COPY --from=builder --chown=1:1 a b /dst/');
    expect(copy).toMatchObject({ keyword: 'COPY', flags: ['--from=builder', '--chown=1:1'], args: ['a', 'b', '/dst/'] });
  });

  test('RUN with two --mount flags keeps the command as one shell string', () => {
    const [run] = instructions(
      'RUN --mount=type=cache,target=/root/.npm --mount=type=bind,source=package.json,target=/app/package.json npm ci',
    );
    expect(run?.flags).toEqual(['--mount=type=cache,target=/root/.npm', '--mount=type=bind,source=package.json,target=/app/package.json']);
    expect(run?.args).toEqual(['npm ci']);
  });

  test('COPY --parents keeps the glob source as written', () => {
    const [copy] = instructions('COPY --parents ./src/**/*.js /app/');
    expect(copy).toMatchObject({ flags: ['--parents'], args: ['./src/**/*.js', '/app/'] });
  });

  test('flags lose their quotes and -- ends the flags', () => {
    const [copy, run] = instructions('COPY --link --chmod="0755" -- --weird-name /dst/', 'RUN --network=none -- make');
    expect(copy?.flags).toEqual(['--link', '--chmod=0755']);
    expect(copy?.args).toEqual(['--weird-name', '/dst/']);
    expect(run).toMatchObject({ flags: ['--network=none'], args: ['make'] });
  });

  test('a JSON-form COPY gives the array items and json: true', () => {
    const [copy] = instructions('COPY --from=build ["dist/app js", "/srv/"]');
    expect(copy).toMatchObject({ flags: ['--from=build'], args: ['dist/app js', '/srv/'], json: true });
  });

  test('keywords are upper-cased and arguments keep their case', () => {
    const [from] = instructions('from Alpine as Base');
    expect(from).toMatchObject({ keyword: 'FROM', args: ['Alpine', 'as', 'Base'] });
  });
});

describe('parseDockerfile: argument forms', () => {
  test('shell form is one string, JSON form the items, invalid JSON falls back to shell form', () => {
    const [shell, exec, broken] = instructions('CMD node server.js', 'CMD ["node", "server.js"]', "CMD ['node']");
    expect(shell).toMatchObject({ args: ['node server.js'], json: false });
    expect(exec).toMatchObject({ args: ['node', 'server.js'], json: true });
    expect(broken).toMatchObject({ args: ["['node']"], json: false });
  });

  test('text after a JSON array is ignored, as Go json.Decoder does', () => {
    const [cmd] = instructions('CMD ["a"] b');
    expect(cmd).toMatchObject({ args: ['a'], json: true });
  });

  test('ENV key=value pairs and the legacy ENV key value form', () => {
    const [pairs, legacy] = instructions('ENV A=1 B="two words" C=', 'ENV PATH /usr/local/bin:$PATH');
    expect(pairs).toMatchObject({ args: ['A', '1', 'B', '"two words"', 'C', ''], legacyKeyValue: false });
    expect(legacy).toMatchObject({ args: ['PATH', '/usr/local/bin:$PATH'], legacyKeyValue: true });
  });

  test('ARG gives one word per name, defaults unexpanded', () => {
    const [arg] = instructions('ARG NODE_VERSION=20 TARGETOS "LABEL=a b"');
    expect(arg?.args).toEqual(['NODE_VERSION=20', 'TARGETOS', '"LABEL=a b"']);
  });

  test('HEALTHCHECK gives the type first, then the command', () => {
    const [check, none] = instructions('HEALTHCHECK --interval=5s CMD ["curl", "-f", "http://localhost/"]', 'HEALTHCHECK NONE');
    expect(check).toMatchObject({ flags: ['--interval=5s'], args: ['CMD', 'curl', '-f', 'http://localhost/'], json: true });
    expect(none?.args).toEqual(['NONE']);
  });

  test('ONBUILD parses its trigger as an instruction', () => {
    const [onbuild] = instructions('ONBUILD COPY --from=base . /app');
    expect(onbuild?.args).toEqual(['COPY --from=base . /app']);
    expect(onbuild?.trigger).toMatchObject({ keyword: 'COPY', flags: ['--from=base'], args: ['.', '/app'] });
  });

  test('unknown keywords parse with no arguments (BuildKit rejects them later)', () => {
    const [unknown] = instructions('FORM alpine');
    expect(unknown).toMatchObject({ keyword: 'FORM', args: [], original: 'FORM alpine' });
  });
});

describe('parseDockerfile: lines and continuations', () => {
  test('multi-line instructions report their first and last line, comments and blanks skipped', () => {
    const parsed = parse(
      '# syntax=docker/dockerfile:1',
      '',
      'FROM node:20 AS build',
      'RUN npm ci \\',
      '    # a comment inside the continuation',
      '    && npm run build',
      '',
      'COPY --from=build /app/dist \\',
      '     /srv/',
    );
    expect(parsed.instructions.map((i) => [i.keyword, i.startLine, i.endLine])).toEqual([
      ['FROM', 3, 3],
      ['RUN', 4, 6],
      ['COPY', 8, 9],
    ]);
    expect(parsed.instructions[1]?.args).toEqual(['npm ci     && npm run build']);
    expect(parsed.instructions[1]?.original).toBe('RUN npm ci     && npm run build');
  });

  test('an escaped escape token at the end of a line does not continue it', () => {
    const [env, next] = instructions('ENV DIR=C:\\\\', 'ENV NEXT=1');
    expect(env?.args).toEqual(['DIR', 'C:\\\\']);
    expect(next?.args).toEqual(['NEXT', '1']);
  });

  test('a continuation at the end of the file ends the instruction', () => {
    const [, run] = instructions('FROM a', 'RUN make \\');
    expect(run).toMatchObject({ args: ['make'], startLine: 2, endLine: 2 });
  });

  test('empty lines inside a continuation warn with the last line', () => {
    const { warnings } = parse('FROM a', 'RUN a \\', '', '  b');
    expect(warnings).toEqual([
      {
        message: 'Empty continuation line found in: RUN a   b',
        line: 4,
        detail: 'Empty continuation lines will become errors in a future release',
        url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
      },
    ]);
  });

  test('CRLF line endings are accepted', () => {
    const parsed = parseDockerfile('FROM a\r\nRUN b \\\r\n  c\r\n', { file });
    expect(parsed.instructions.map((i) => i.args)).toEqual([['a'], ['b   c']]);
  });
});

describe('parseDockerfile: directives and the escape token', () => {
  test('syntax, escape and check directives are recorded and the backtick escape applies', () => {
    const parsed = parse(
      '# syntax=docker/dockerfile:1.7',
      '# escape=`',
      '# check=skip=JSONArgsRecommended',
      '',
      'FROM mcr.microsoft.com/windows/servercore:ltsc2022',
      'COPY app\\ C:\\app\\',
      'RUN dir `',
      '    C:\\app',
    );
    expect(parsed.escapeToken).toBe('`');
    expect(parsed.directives).toEqual({
      syntax: 'docker/dockerfile:1.7',
      escape: '`',
      check: 'skip=JSONArgsRecommended',
    });
    expect(parsed.instructions.map((i) => i.args)).toEqual([
      ['mcr.microsoft.com/windows/servercore:ltsc2022'],
      ['app\\', 'C:\\app\\'],
      ['dir     C:\\app'],
    ]);
  });

  test('with the backtick escape, a trailing backslash is an ordinary character', () => {
    const [, workdir] = instructions('# escape=`', 'FROM a', 'WORKDIR C:\\', 'RUN x');
    expect(workdir).toMatchObject({ args: ['C:\\'], startLine: 3, endLine: 3 });
  });

  test('directives stop at the first comment, blank line or instruction', () => {
    expect(parse('# hello', '# escape=`', 'FROM a').escapeToken).toBe('\\');
    expect(parse('', '# escape=`', 'FROM a').escapeToken).toBe('\\');
    expect(parse('FROM a', '# escape=`').directives).toEqual({});
  });

  test('a BOM before the first directive is ignored', () => {
    const parsed = parseDockerfile('\uFEFF# escape=`\nFROM a\n', { file });
    expect(parsed.escapeToken).toBe('`');
  });
});

describe('parseDockerfile: heredocs', () => {
  test('RUN <<EOF reads the body up to the delimiter, lines included', () => {
    const [, run, cmd] = instructions('FROM a', 'RUN <<EOF', 'set -e', 'echo "$HOME"', 'EOF', 'CMD ["sh"]');
    expect(run?.heredocs).toEqual([{ name: 'EOF', content: 'set -e\necho "$HOME"\n', expand: true, chomp: false, fileDescriptor: 0 }]);
    expect(run).toMatchObject({ args: ['<<EOF'], startLine: 2, endLine: 5 });
    expect(cmd?.startLine).toBe(6);
  });

  test('<<- and quoted delimiters set chomp and expand; the body is kept raw', () => {
    const [run] = instructions('RUN <<-"EOT" bash', '\techo $X', '\tEOT');
    expect(run?.heredocs).toEqual([{ name: 'EOT', content: '\techo $X\n', expand: false, chomp: true, fileDescriptor: 0 }]);
    expect(chompHeredocContent(run?.heredocs[0]?.content ?? '')).toBe('echo $X\n');
  });

  test('COPY with two heredocs reads their bodies in order', () => {
    const [copy] = instructions('COPY <<a.txt <<b.txt /dst/', 'A', 'a.txt', 'B', 'b.txt');
    expect(copy?.args).toEqual(['<<a.txt', '<<b.txt', '/dst/']);
    expect(copy?.heredocs.map((h) => [h.name, h.content])).toEqual([
      ['a.txt', 'A\n'],
      ['b.txt', 'B\n'],
    ]);
    expect(copy?.endLine).toBe(5);
  });

  test('heredocs only on RUN, COPY and ADD in shell form', () => {
    const [user, json, quoted] = instructions('USER <<X', 'RUN ["<<EOF"]', 'RUN echo "<<EOF"');
    expect([user, json, quoted].map((i) => i?.heredocs)).toEqual([[], [], []]);
  });

  test('an unterminated heredoc names the file, the opening line and the delimiter', () => {
    const error = parseError('FROM a', '', 'RUN <<EOF', 'echo hi');
    expect(error.message).toBe('unterminated heredoc');
    expect(error.location).toEqual({ file, line: 3 });
    expect(error.hint).toContain('"EOF"');
  });
});

describe('parseDockerfile: errors', () => {
  test('an empty file or only comments has no instructions', () => {
    expect(parseError('').message).toBe('file with no instructions');
    expect(parseError('# just', '# comments', '').location).toEqual({ file, line: 2 });
  });

  test('ENV without a value names the line', () => {
    const error = parseError('FROM a', 'ENV PATH');
    expect(error.message).toBe('ENV must have two arguments');
    expect(error.location).toEqual({ file, line: 2 });
    expect(error.hint).toBe('Give PATH a value: "ENV PATH=value" (use PATH="" for an empty value).');
  });

  test('mixing key=value and bare words in ENV is an error', () => {
    expect(parseError('FROM a', 'ENV A=1 B').message).toBe('Syntax error - can\'t find = in "B". Must be of the form: name=value');
  });

  test('a JSON array with non-string items is an error, not shell form', () => {
    const error = parseError('FROM a', 'CMD ["echo", 1]');
    expect(error.message).toBe('when using JSON array syntax, arrays must be comprised of strings only');
    expect(error.location.line).toBe(2);
  });

  test('a repeated or invalid directive is an error', () => {
    expect(parseError('# escape=`', '# escape=`', 'FROM a').message).toBe('only one escape parser directive can be used');
    expect(parseError('# escape=x', 'FROM a').message).toBe("invalid escape token 'x' does not match ` or \\");
  });

  test('a line longer than 65535 bytes is an error at that line', () => {
    const error = parseError('FROM a', `LABEL x=${'é'.repeat(40_000)}`);
    expect(error.message).toBe('dockerfile line greater than max allowed size of 65535');
    expect(error.location.line).toBe(2);
  });

  test('errors say where, and what to do next', () => {
    const error = parseError('FROM a', 'LABEL only-key');
    expect(error).toBeInstanceOf(DockerfileParseError);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toBeTruthy();
  });
});

describe('dumpAst', () => {
  test('renders BuildKit S-expressions with flags, key/value separators and ONBUILD', () => {
    const parsed = parse(
      'FROM --platform=linux/amd64 alpine AS base',
      'ENV A=1',
      'LABEL maintainer me',
      'ONBUILD RUN ["make"]',
      'FOO bar',
      'CMD []',
    );
    expect(dumpAst(parsed)).toBe(
      [
        '(from ["--platform=linux/amd64"] "alpine" "AS" "base")',
        '(env "A" "1" "=")',
        '(label "maintainer" "me" "")',
        '(onbuild (run "make"))',
        '(foo "")',
        '(cmd)',
      ].join('\n'),
    );
  });
});

describe('goQuote', () => {
  test('quotes like Go strconv.Quote', () => {
    expect(goQuote('a "b" \\ ♥')).toBe('"a \\"b\\" \\\\ ♥"');
    expect(goQuote('\t\n\u0000\u007f\u00a0\u{1F600}')).toBe('"\\t\\n\\x00\\x7f\\u00a0😀"');
  });
});

describe('parseDockerfile: inputs found by the property test', () => {
  test('a chained ONBUILD ONBUILD is a parse error with its line, not a recursion', () => {
    expect(() => parse('FROM busybox', 'ONBUILD onbuild RUN make')).toThrow(DockerfileParseError);
    // One 64 KB line of ONBUILDs used to overflow the stack (RangeError, printed as an unexpected failure).
    const error = (() => {
      try {
        parse('FROM busybox', `${'ONBUILD '.repeat(8000)}RUN x`);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DockerfileParseError);
    expect((error as DockerfileParseError).message).toBe("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    expect((error as DockerfileParseError).location).toEqual({ file, line: 2 });
  });

  test('a single ONBUILD still parses its trigger', () => {
    expect(instructions('FROM busybox', 'ONBUILD RUN make')[1]?.trigger?.keyword).toBe('RUN');
  });
});
