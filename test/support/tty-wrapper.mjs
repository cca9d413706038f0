/**
 * Runs a command on the terminal it is given (a tmux pane), then reports how
 * it left that terminal and stays alive, so the test can read the pane's
 * modes (alternate screen, cursor) after the command exited: tmux resets them
 * when a pane's process dies. Plain JavaScript: it runs in a temp project
 * where no TypeScript loader resolves.
 *
 *   node test/support/tty-wrapper.mjs <command> [args…]
 */
import { spawn, spawnSync } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) throw new Error('usage: tty-wrapper <command> [args…]');
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  const modes = spawnSync('stty', ['-a'], { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' }).stdout;
  /** @param {string} flag */
  const on = (flag) => new RegExp(`(^|[\\s;])${flag}([\\s;]|$)`).test(modes);
  process.stdout.write(`\nEXIT code=${code} signal=${signal} icanon=${on('icanon')} echo=${on('echo')}\n`);
  setInterval(() => undefined, 1 << 30);
});
