// Which flow `login` picks when the user names none: web only where a browser can be opened
// here and the provider's requirements (a client secret) are met; device otherwise.
import { describe, expect, it } from 'vitest';
import { chooseFlow, whyNoBrowser, type FlowContext } from '../../src/signin/choose-flow.js';

/** A desktop terminal where the browser flow is possible. */
const desktop = (over: Partial<FlowContext> = {}): FlowContext => ({
  env: { DISPLAY: ':0' },
  platform: 'linux',
  stdinIsTTY: true,
  stderrIsTTY: true,
  noBrowser: false,
  missingSecret: false,
  ...over,
});

describe('whyNoBrowser', () => {
  it('is undefined in an interactive terminal with a display', () => {
    expect(whyNoBrowser(desktop())).toBeUndefined();
    expect(whyNoBrowser(desktop({ env: { WAYLAND_DISPLAY: 'wayland-0' } }))).toBeUndefined();
  });

  it.each(['SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY'])('%s set: an SSH session', (name) => {
    const value = name === 'SSH_TTY' ? '/dev/pts/3' : '203.0.113.9 50022 198.51.100.4 22';
    expect(whyNoBrowser(desktop({ env: { DISPLAY: ':0', [name]: value } }))).toBe('this is an SSH session');
  });

  it('an SSH session wins even with a display (X forwarding) and an explicit browser', () => {
    expect(whyNoBrowser(desktop({ env: { DISPLAY: 'localhost:10.0', OAUTHCLI_BROWSER: 'firefox', SSH_CONNECTION: '1 2 3 4' } }))).toBe('this is an SSH session');
  });

  it.each(['true', '1', 'yes'])('CI=%s: a CI job', (ci) => {
    expect(whyNoBrowser(desktop({ env: { DISPLAY: ':0', CI: ci } }))).toBe('this is a CI job');
  });

  it.each(['false', '0', ''])('CI=%j does not count as CI', (ci) => {
    expect(whyNoBrowser(desktop({ env: { DISPLAY: ':0', CI: ci } }))).toBeUndefined();
  });

  it('no DISPLAY nor WAYLAND_DISPLAY on linux: no display', () => {
    expect(whyNoBrowser(desktop({ env: {} }))).toBe('there is no display');
  });

  it('no DISPLAY is fine with OAUTHCLI_BROWSER or BROWSER set, and on macOS or Windows', () => {
    expect(whyNoBrowser(desktop({ env: { OAUTHCLI_BROWSER: '/usr/local/bin/open-url' } }))).toBeUndefined();
    expect(whyNoBrowser(desktop({ env: { BROWSER: 'w3m' } }))).toBeUndefined();
    expect(whyNoBrowser(desktop({ env: {}, platform: 'darwin' }))).toBeUndefined();
    expect(whyNoBrowser(desktop({ env: {}, platform: 'win32' }))).toBeUndefined();
  });

  it('stdin or stderr not a terminal: not interactive', () => {
    expect(whyNoBrowser(desktop({ stdinIsTTY: false }))).toBe('this is not an interactive terminal');
    expect(whyNoBrowser(desktop({ stderrIsTTY: false }))).toBe('this is not an interactive terminal');
  });
});

describe('chooseFlow', () => {
  it('the web flow in a desktop terminal with a secret', () => {
    expect(chooseFlow(desktop())).toEqual({ flow: 'web', reason: 'a browser can be opened here' });
  });

  it('SSH: device, with the reason', () => {
    expect(chooseFlow(desktop({ env: { DISPLAY: ':0', SSH_CONNECTION: '1 2 3 4' } }))).toEqual({
      flow: 'device',
      reason: 'this is an SSH session, so no browser can be opened here',
    });
  });

  it('CI: device', () => {
    expect(chooseFlow(desktop({ env: { DISPLAY: ':0', CI: 'true' } }))).toEqual({ flow: 'device', reason: 'this is a CI job, so no browser can be opened here' });
  });

  it('no display on linux: device', () => {
    expect(chooseFlow(desktop({ env: {} }))).toEqual({ flow: 'device', reason: 'there is no display, so no browser can be opened here' });
  });

  it('not a TTY: device', () => {
    expect(chooseFlow(desktop({ stdinIsTTY: false }))).toEqual({ flow: 'device', reason: 'this is not an interactive terminal, so no browser can be opened here' });
    expect(chooseFlow(desktop({ stderrIsTTY: false })).flow).toBe('device');
  });

  it('missing client secret: device, even where a browser could be opened', () => {
    expect(chooseFlow(desktop({ missingSecret: true }))).toEqual({ flow: 'device', reason: 'no client secret is configured for the browser flow' });
  });

  it('--no-browser: device, and it takes precedence over the other reasons for device', () => {
    expect(chooseFlow(desktop({ noBrowser: true }))).toEqual({ flow: 'device', reason: '--no-browser was given' });
    expect(chooseFlow(desktop({ noBrowser: true, missingSecret: true, env: { SSH_TTY: '/dev/pts/1' } })).reason).toBe('--no-browser was given');
  });

  it('a provider with no device flow: web, whatever else holds (the device flow is no option)', () => {
    expect(chooseFlow(desktop({ deviceAvailable: false }))).toEqual({ flow: 'web', reason: 'the provider offers no device flow' });
    expect(chooseFlow(desktop({ deviceAvailable: false, env: { SSH_CONNECTION: '1 2 3 4' }, stdinIsTTY: false })).flow).toBe('web');
    expect(chooseFlow(desktop({ deviceAvailable: true, env: { SSH_CONNECTION: '1 2 3 4' } })).flow).toBe('device');
  });

  it('never chooses web when any single condition fails', () => {
    const failing: Partial<FlowContext>[] = [
      { noBrowser: true },
      { missingSecret: true },
      { env: { DISPLAY: ':0', SSH_CLIENT: '1 2 3' } },
      { env: { DISPLAY: ':0', CI: '1' } },
      { env: {} },
      { stdinIsTTY: false },
      { stderrIsTTY: false },
    ];
    for (const over of failing) expect(chooseFlow(desktop(over)).flow).toBe('device');
  });
});
