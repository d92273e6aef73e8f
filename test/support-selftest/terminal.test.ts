import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startTerminal } from '../support/terminal.js';
import type { Terminal } from '../support/terminal.js';

async function withTerminal<T>(t: Terminal, body: (t: Terminal) => Promise<T>): Promise<T> {
  try {
    return await body(t);
  } finally {
    await t.close();
  }
}

describe('tmux terminal (terminal.ts)', () => {
  it('shows output, takes typed input and reports the exit code', async () => {
    const t = await startTerminal(['bash', '-c', 'printf "hello\\n"; read -r x; echo "got:$x"; exit 3']);
    await withTerminal(t, async () => {
      expect(await t.waitForScreen('hello')).toBe('hello');
      expect(await t.exitCode()).toBeNull();
      await t.type('abc');
      await t.sendKeys('Enter');
      expect(await t.waitForScreen(/got:abc/)).toBe('hello\nabc\ngot:abc');
      expect(await t.waitForExit()).toBe(3);
      // The screen survives the exit, without a "Pane is dead" line.
      expect(await t.screen()).toBe('hello\nabc\ngot:abc');
    });
  });

  it('has the requested size and TERM, and only the given environment', async () => {
    process.env.OAUTHCLI_SELFTEST_LEAK = 'leak';
    const t = await startTerminal(
      ['bash', '-c', 'echo "$(tput cols)x$(tput lines) $TERM [$X] [${HOME-no home}] [${OAUTHCLI_SELFTEST_LEAK-unset}] $PWD"; test -t 0 && test -t 1 && echo tty'],
      { cols: 120, rows: 30, env: { X: 'a b', HOME: undefined }, cwd: '/tmp' },
    ).finally(() => delete process.env.OAUTHCLI_SELFTEST_LEAK);
    await withTerminal(t, async () => {
      expect(await t.waitForExit()).toBe(0);
      expect(await t.screen()).toBe('120x30 xterm-256color [a b] [no home] [unset] /tmp\ntty');
    });
  });

  it('keeps colours with escapes, and reports a signal as 128 + n', async () => {
    const t = await startTerminal(['bash', '-c', 'printf "\\033[31mred\\033[0m ✓\\n"; sleep 30']);
    await withTerminal(t, async () => {
      await t.waitForScreen('red');
      expect(await t.screen()).toBe('red ✓');
      expect(await t.screen({ escapes: true })).toMatch(/\x1b\[31mred\x1b\[39m ✓/);
      await t.sendKeys('C-c');
      expect(await t.waitForExit()).toBe(130);
    });
  });

  it('scrollback includes lines scrolled off the top; close removes the server', async () => {
    const t = await startTerminal(['bash', '-c', 'seq 1 10'], { rows: 5 });
    await t.waitForExit();
    expect(await t.screen()).toBe('7\n8\n9\n10');
    expect((await t.screen({ scrollback: true })).split('\n').slice(0, 3)).toEqual(['1', '2', '3']);
    await t.close();
    await t.close();
    await expect(t.screen()).rejects.toThrow();
  });

  it('waitForScreen fails with what the screen shows', async () => {
    const t = await startTerminal(['bash', '-c', 'echo nothing to see; sleep 30']);
    await withTerminal(t, async () => {
      await expect(t.waitForScreen('never', 300)).rejects.toThrow(/within 300 ms; it shows:\nnothing to see/);
    });
  });

  it('passes words and typed text through literally, even tmux separators', async () => {
    const words = ['a;', ';', '#{pane_id}', '~', '$HOME', "it's"];
    const t = await startTerminal(['bash', '-c', 'printf "[%s]" "$@"; echo; read -r x; echo "got:$x"', 'bash', ...words]);
    await withTerminal(t, async () => {
      await t.waitForScreen('[a;][;][#{pane_id}][~][$HOME][it\'s]');
      await t.type('x y;');
      await t.sendKeys('Enter');
      expect(await t.waitForExit()).toBe(0);
      expect(await t.screen()).toMatch(/got:x y;$/);
    });
  });

  it('a missing command fails in the terminal, not in startTerminal', async () => {
    const t = await startTerminal(['/nonexistent/command']);
    await withTerminal(t, async () => {
      expect(await t.waitForExit()).toBe(127);
      expect(existsSync('/nonexistent/command')).toBe(false);
    });
  });
});
