// The one sanitizer every piece of provider text passes through on its way to a terminal or to
// stdout: a provider can never drive the user's terminal (no control sequence, no invisible
// character that reorders or hides text), as a line, as lines, or inside JSON.

/**
 * What a terminal must never be handed from a provider, as regular-expression ranges: C0 and C1
 * control characters (ESC, CSI, OSC: cursor moves, clipboard writes, hyperlinks, screen clears),
 * DEL, and the invisible characters that reorder or hide text (bidi overrides and isolates,
 * zero-width characters, line and paragraph separators, the BOM).
 */
const C0 = '\\u0000-\\u001f';
const C0_BUT_LINES = '\\u0000-\\u0008\\u000b-\\u001f';
const DEL_AND_C1 = '\\u007f-\\u009f';
const INVISIBLE = '\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff';

const CONTROL = new RegExp(`[${C0}${DEL_AND_C1}${INVISIBLE}]`, 'g');
const CONTROL_BUT_LINES = new RegExp(`[${C0_BUT_LINES}${DEL_AND_C1}${INVISIBLE}]`, 'g');
/** What JSON.stringify leaves raw (it escapes C0 itself). */
const JSON_UNSAFE = new RegExp(`[${DEL_AND_C1}${INVISIBLE}]`, 'g');
const INVISIBLE_CHAR = new RegExp(`^[${INVISIBLE}]$`);

/** `\u001b`: a character shown as its JSON escape, visible and inert. */
const unicodeEscape = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;

/**
 * Provider text (a name, a description, an error message, a URL) as one printable line: control
 * and invisible characters become spaces, so a provider can never drive the user's terminal.
 */
export function safeText(text: unknown): string {
  return String(text).replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();
}

/**
 * Provider text of several lines, for a terminal: newlines and tabs stay, every other control
 * character is shown as a visible escape (`\u001b`) instead of being obeyed.
 */
export function safeLines(text: string): string {
  return text.replace(CONTROL_BUT_LINES, (c) => unicodeEscape(c.charCodeAt(0)));
}

/**
 * JSON for stdout: the same value as JSON.stringify's, with every character a terminal could obey
 * written as a \u escape (JSON.stringify escapes C0 controls itself, but not DEL or C1).
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, (c) => unicodeEscape(c.charCodeAt(0)));
}

/**
 * A provider's JSON bytes, passed through unparsed, with every character a terminal would obey
 * inside its strings written as a \u escape: raw C0 controls (invalid JSON that a hostile server
 * may send anyway), DEL, C1 controls and invisible/bidi characters. The JSON value stays the same.
 * Only pages the scanner flagged come here (src/http/paginate.ts): most pages pass untouched.
 */
export function escapeJsonControls(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  const escape = (cp: number) => {
    for (const ch of unicodeEscape(cp)) out.push(ch.charCodeAt(0));
  };
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (!inString) {
      if (c === 0x22) inString = true;
      // Outside strings only structure and whitespace belong; any other control is dropped.
      if (c < 0x20 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) continue;
      out.push(c);
      continue;
    }
    if (c === 0x5c) {
      out.push(c, bytes[i + 1] ?? 0x5c);
      i += 1;
    } else if (c === 0x22) {
      inString = false;
      out.push(c);
    } else if (c < 0x20 || c === 0x7f) escape(c);
    else if (c === 0xc2 && bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x9f) {
      escape(bytes[i + 1]!);
      i += 1;
    } else if (c === 0xe2 || c === 0xef) {
      const cp = ((c & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
      if (INVISIBLE_CHAR.test(String.fromCharCode(cp))) {
        escape(cp);
        i += 2;
      } else out.push(c);
    } else out.push(c);
  }
  return Uint8Array.from(out);
}
