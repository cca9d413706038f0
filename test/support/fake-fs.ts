/**
 * A FileSystem for unit tests: only the methods a test gives answer; any other call rejects, naming the method, so a
 * test fails loudly when the code under test reads more than it should.
 */
import type { FileSystem } from '../../src/ports/file-system.js';

export function fakeFileSystem(answers: Partial<FileSystem>): FileSystem {
  const unused = (method: string) => () => Promise.reject(new Error(`FileSystem.${method} is not part of this test`));
  return {
    readText: answers.readText ?? unused('readText'),
    exists: answers.exists ?? unused('exists'),
    listFiles: answers.listFiles ?? unused('listFiles'),
    digest: answers.digest ?? unused('digest'),
    kind: answers.kind ?? unused('kind'),
    readFileWithMode: answers.readFileWithMode ?? unused('readFileWithMode'),
    permissions: answers.permissions ?? unused('permissions'),
    changedAt: answers.changedAt ?? unused('changedAt'),
    writeText: answers.writeText ?? unused('writeText'),
    entries: answers.entries ?? unused('entries'),
    readLink: answers.readLink ?? unused('readLink'),
  } satisfies FileSystem;
}
