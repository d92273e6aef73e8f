// What a person sees when they ask for help, or give no command: gh's behaviour (help on stdout,
// exit 0; an unknown help topic is an error with a suggestion), and examples ending every help.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { runCli } from '../support/cli.ts';

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

function everyCommand(command: Command): Command[] {
  return command.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden).flatMap((c) => [c, ...everyCommand(c)]);
}

describe('help', () => {
  const program = buildProgram({ execute: () => async () => undefined });

  it('the program, every command and every command group end their --help with examples', () => {
    const commands = [program, ...everyCommand(program)];
    expect(commands.length).toBeGreaterThan(15);
    for (const command of commands) {
      expect(helpOf(command), command.name()).toMatch(/\nExamples:\n( {2}\$ .*\n)+\s*$/);
    }
  });

  it.each([[[]], [['--debug']], [['provider']]])('%j prints the help on stdout and exits 0', async (args) => {
    const res = await runCli(args as string[]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: oauthcli /);
    expect(res.stderr).toBe('');
  });

  it('help with a path shows that command; an unknown topic is a usage error with a suggestion', async () => {
    const add = await runCli(['help', 'provider', 'add']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^Usage: oauthcli provider add /);

    const typo = await runCli(['help', 'logn']);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe("oauthcli: unknown help topic 'logn' (did you mean 'login'?). Run 'oauthcli --help' for usage.\n");

    const nothing = await runCli(['help', 'zzzzzz']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe("oauthcli: unknown help topic 'zzzzzz'. Run 'oauthcli --help' for usage.\n");
  });
});
