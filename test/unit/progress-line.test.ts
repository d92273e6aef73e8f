// In process: a progress line registers itself, so that whatever ends the command (run-command.ts
// calls clearLines on return, on error before the error's line, on Ctrl-C, and at process exit)
// leaves no line on the screen. The real terminal cases are in test/e2e/progress-line.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/terminal/progress.js';
import { clearLines } from '../../src/cli/terminal/screen-lines.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

describe('clearLines', () => {
  it('clears a line that is shown, once; a line not shown writes nothing', async () => {
    const t = testWorld({ tty: true, env: { TERM: 'xterm-256color' } });
    worlds.push(t);
    const progress = progressLine(t.world, 'repositories');
    clearLines();
    expect(t.stderr()).toBe('');
    progress.show(100, 1000);
    expect(t.stderr()).toBe('\r\u001b[2KFetched 100 of ~1,000 repositories…');
    clearLines();
    clearLines();
    expect(t.stderr()).toBe('\r\u001b[2KFetched 100 of ~1,000 repositories…\r\u001b[2K');
  });
});
