/**
 * Pointing at the user's YAML: compose reports some problems without a file
 * name ("yaml: line 4: did not find expected node content"), and dockstage's
 * own config errors carry a dotted path (`x-dockstage.environments.dev.target`).
 * These helpers turn either into `file:line` using the `yaml` package's
 * source ranges.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

/** Where YAML parsing first fails (1-based line and column), for compose errors that name no file. */
export interface YamlSyntaxProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The first YAML syntax error in `text`, or undefined when it parses. */
export function findYamlSyntaxError(text: string): YamlSyntaxProblem | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const error = document.errors[0];
  if (error === undefined) return undefined;
  const position = lineCounter.linePos(error.pos[0]);
  return { line: position.line, column: position.col, message: error.message.split('\n')[0]! };
}

/**
 * The 1-based line of the value at a dotted path (`services.web.build.target`)
 * in YAML text, or of its deepest existing parent key; undefined when not even
 * the first key is there.
 */
export function lineOfPath(text: string, dottedPath: string): number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false });
  if (document.errors.length > 0) return undefined;
  let node: unknown = document.contents;
  let line: number | undefined;
  for (const key of dottedPath.split('.')) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String((item.key as Node | null)?.toJSON?.() ?? item.key) === key);
      if (pair === undefined) break;
      const keyNode = pair.key as Node | null;
      if (keyNode?.range) line = lineCounter.linePos(keyNode.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(key)) {
      const item = node.items[Number(key)] as Node | undefined;
      if (item?.range === undefined || item.range === null) break;
      line = lineCounter.linePos(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}
