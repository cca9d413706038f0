/** The FileWatcher contract on the folder-watch adapter, on real temp directories. */
import { createNodeFsWatcher } from '../../../src/adapters/file-watching/node-fs-watcher.js';
import { describeFileWatcher } from './file-watcher-contract.js';

describeFileWatcher('node-fs-watcher', createNodeFsWatcher, 'src/adapters/file-watching/node-fs-watcher.ts', 'createNodeFsWatcher');
