// The one sanitizer provider text passes through on its way to a terminal: it can never move the
// cursor, clear the screen, set the clipboard (OSC 52) or plant a hyperlink (OSC 8).
import { describe, expect, it } from 'vitest';
import { escapeJsonControls, safeJson, safeLines, safeText } from '../../src/cli/terminal/safe-text.js';
import { openBrowser } from '../../src/cli/terminal/browser.js';

const OSC52 = '\u001b]52;c;ZWNobyBwd25lZA==\u0007';
const OSC8 = '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\';
const CLEAR = '\u001b[2J\u001b[H';
const C1_CSI = '\u009b31m';
const BIDI = 'safe\u202etxt.exe';

describe('safeText', () => {
  it.each([OSC52, OSC8, CLEAR, C1_CSI, BIDI, 'a\rb', 'a\u0000b', 'a\u007fb', 'a\u2028b', 'a\u200bb'])('leaves no control or invisible character in %j', (hostile) => {
    const out = safeText(`The Octocat ${hostile} end`);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/);
    expect(out).toMatch(/^The Octocat .* end$/);
  });
});

describe('safeLines', () => {
  it('keeps newlines and tabs, and shows every other control character instead of obeying it', () => {
    expect(safeLines(`a\tb\nc${CLEAR}`)).toBe('a\tb\nc\\u001b[2J\\u001b[H');
    expect(safeLines(C1_CSI)).toBe('\\u009b31m');
  });
});

describe('safeJson', () => {
  it('is the same JSON value, with DEL, C1 and bidi characters written as escapes', () => {
    const value = { name: `x${OSC52}${C1_CSI}\u007f${BIDI}` };
    const out = safeJson(value);
    expect(JSON.parse(out)).toEqual(value);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });
});

describe('openBrowser', () => {
  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'http://evil.example/', 'data:text/html,hi'])('never hands %s to a browser', async (url) => {
    // `false` as the browser: were it run, it would fail; it must not even be run.
    expect(await openBrowser(url, { OAUTHCLI_BROWSER: '/bin/sh -c "touch /tmp/oauthcli-opened-$$"' }, 'linux')).toBe(false);
  });
});

describe('escapeJsonControls (provider JSON passed through unparsed)', () => {
  const run = (text: string) => Buffer.from(escapeJsonControls(Buffer.from(text))).toString('utf8');
  it('escapes raw controls, DEL, C1 and bidi characters inside strings; the value is unchanged', () => {
    const raw = `{"a":"x${OSC52}y","b":"${C1_CSI}\u007f${BIDI}","c":"tab\tnew\nline","d":"ok \\" \\u001b"}`;
    const out = run(raw);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(out)).toEqual({ a: `x${OSC52}y`, b: `${C1_CSI}\u007f${BIDI}`, c: 'tab\tnew\nline', d: 'ok " \u001b' });
  });
  it('keeps whitespace between tokens and typographic characters as they are', () => {
    expect(run('[\n {"d": "it’s — fine"}\r\n]')).toBe('[\n {"d": "it’s — fine"}\r\n]');
  });
});
