/** The FileWatcher contract on the chokidar adapter, with real chokidar on real temp directories. */
import { createChokidarWatcher } from '../../../src/adapters/chokidar-watcher.js';
import { describeFileWatcher } from './file-watcher-contract.js';

describeFileWatcher('chokidar-watcher', createChokidarWatcher, 'src/adapters/chokidar-watcher.ts', 'createChokidarWatcher');
