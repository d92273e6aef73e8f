// AssemblyScript, compiled to WebAssembly by scripts/build-wasm.mjs into json-spans-wasm.ts
// (run `npm run build:wasm` after changing this file; a unit test fails while the two differ).
// It is the scanner behind src/http/json-spans.ts: the items of a JSON array body as byte spans,
// found without parsing them, over the body's chunks as they arrived. String contents, most of a
// page, are skipped 16 bytes at a time with SIMD compares: about four times the speed of the same
// scan in plain JavaScript (~1.6 GB/s against ~400 MB/s, with the copy in).
//
// The caller copies up to INPUT_BYTES of the body at inputOffset() and calls scan(length) for each
// piece in order, then finish(). Each call leaves the items it completed at spansOffset() (start
// and end, u32 each, counted from the body's first byte) until takeSpans() hands them over. A
// non-zero answer is a reason the body is not one JSON array (see REASONS in json-spans.ts).
//
// What is checked: one array; strings closed; brackets balanced and matched; commas between
// items; nothing after the array. Not every literal in it. Strings holding a byte a terminal
// might obey (a raw control character, which JSON forbids anyway, DEL, or the lead byte of a C1,
// bidi or invisible character) set hasControls().

const BEFORE_ARRAY: i32 = 0;
const FIRST_ITEM: i32 = 1; // after "[": an item or "]"
const IN_ITEM: i32 = 2;
const AFTER_ITEM: i32 = 3; // "," or "]"
const NEXT_ITEM: i32 = 4; // after ",": an item
const AFTER_ARRAY: i32 = 5;

const MALFORMED_LITERAL: i32 = 1;
const BRACKETS_DO_NOT_MATCH: i32 = 2;
const NO_COMMA: i32 = 3;
const EMPTY_ITEM: i32 = 4;
const NO_ARRAY: i32 = 5;
const TEXT_AFTER: i32 = 6;
const STRING_NOT_CLOSED: i32 = 7;
const ENDS_INSIDE: i32 = 8;

const PAGE: u32 = 65536;
/** The most one scan() reads. */
const INPUT_BYTES: u32 = PAGE;
/** An item takes two bytes at least ("1,"): room for every item one piece can complete. */
const SPAN_BYTES: u32 = (INPUT_BYTES / 2 + 1) * 8;

let inputAt: u32 = 0;
let spansAt: u32 = 0;
/** The closing bracket each open one awaits, innermost last; the stack moves when it grows. */
let closersAt: u32 = 0;
let closersRoom: u32 = 0;

let state: i32 = BEFORE_ARRAY;
let inString: bool = false;
let escaped: bool = false;
let literal: bool = false;
let itemStart: u32 = 0;
let controls: bool = false;
let base: u32 = 0;
let depth: u32 = 0;
let spanCount: u32 = 0;

/** Memory for the input, the spans and the bracket stack, after whatever the module holds. */
function setUp(): void {
  const first = <u32>memory.size();
  const pages = (INPUT_BYTES + 16) / PAGE + 1 + (SPAN_BYTES + PAGE - 1) / PAGE + 1;
  if (memory.grow(<i32>pages) < 0) unreachable();
  inputAt = first * PAGE;
  spansAt = inputAt + ((INPUT_BYTES + 16) / PAGE + 1) * PAGE;
  closersAt = spansAt + ((SPAN_BYTES + PAGE - 1) / PAGE) * PAGE;
  closersRoom = PAGE;
}

export function inputOffset(): u32 {
  if (inputAt == 0) setUp();
  return inputAt;
}

export function spansOffset(): u32 {
  return spansAt;
}

export function inputBytes(): u32 {
  return INPUT_BYTES;
}

/** Starts a new body. */
export function reset(): void {
  if (inputAt == 0) setUp();
  state = BEFORE_ARRAY;
  inString = false;
  escaped = false;
  literal = false;
  itemStart = 0;
  controls = false;
  base = 0;
  depth = 0;
  spanCount = 0;
}

export function hasControls(): bool {
  return controls;
}

/** How many spans wait at spansOffset(); they are the caller's, and the next scan() writes over them. */
export function takeSpans(): u32 {
  const n = spanCount;
  spanCount = 0;
  return n;
}

// @ts-ignore: decorator
@inline function pushSpan(start: u32, end: u32): void {
  const at = spansAt + (spanCount << 3);
  store<u32>(at, start);
  store<u32>(at, end, 4);
  spanCount++;
}

function pushCloser(closer: u8): void {
  if (depth == closersRoom) {
    // A deeper body than any so far: twice the room, at the end of memory.
    const first = <u32>memory.size();
    if (memory.grow(<i32>((closersRoom * 2) / PAGE)) < 0) unreachable();
    memory.copy(first * PAGE, closersAt, closersRoom);
    closersAt = first * PAGE;
    closersRoom *= 2;
  }
  store<u8>(closersAt + depth, closer);
  depth++;
}

// @ts-ignore: decorator
@inline function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** Scans the next `length` bytes of the body, copied to inputOffset(); 0, or why it is not a JSON array. */
export function scan(length: u32): i32 {
  const input = inputAt;
  let i: u32 = 0;
  // An escape at the end of the last piece: this piece's first byte is the escaped one.
  if (escaped) {
    escaped = false;
    i = 1;
  }
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  const del = i8x16.splat(0x7f);
  while (i < length) {
    if (inString) {
      // The hot loop: most of a page is string content. To the closing quote, or the piece's end.
      while (true) {
        // 16 bytes at a time while none is a quote, a backslash, a control byte or beyond ASCII.
        while (i + 16 <= length) {
          const v = v128.load(input + i);
          const special = v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), v128.or(i8x16.lt_u(v, space), i8x16.ge_u(v, del)));
          const mask = i8x16.bitmask(special);
          if (mask == 0) {
            i += 16;
            continue;
          }
          i += <u32>ctz(mask);
          break;
        }
        if (i >= length) break;
        const c = <u32>load<u8>(input + i);
        if (c == 0x22) break;
        if (c == 0x5c) {
          i += 2; // the next byte is escaped, never the closing quote
          if (i > length) escaped = true;
          continue;
        }
        if (c < 0x20 || c == 0x7f || c == 0xc2 || c == 0xe2 || c == 0xef) controls = true;
        i += 1;
      }
      if (i >= length) break;
      inString = false;
      i += 1;
      if (state == IN_ITEM && depth == 0) {
        pushSpan(itemStart, base + i);
        state = AFTER_ITEM;
      }
      continue;
    }
    if (state == IN_ITEM) {
      if (literal) {
        for (; i < length; i++) {
          const c = <u32>load<u8>(input + i);
          if (c == 0x2c || c == 0x5d || isSpace(c)) break;
          if (c == 0x22 || c == 0x7b || c == 0x7d || c == 0x5b) return MALFORMED_LITERAL;
        }
        if (i >= length) break;
        pushSpan(itemStart, base + i);
        literal = false;
        state = AFTER_ITEM;
        continue; // the separator is the next state's to read
      }
      // Inside an object or array, outside strings: structure, numbers and literals.
      let closed = false;
      for (; i < length; i++) {
        const c = <u32>load<u8>(input + i);
        if (c == 0x22) break;
        if (c == 0x7b) pushCloser(0x7d);
        else if (c == 0x5b) pushCloser(0x5d);
        else if (c == 0x7d || c == 0x5d) {
          if (depth == 0) return BRACKETS_DO_NOT_MATCH;
          depth--;
          if (<u32>load<u8>(closersAt + depth) != c) return BRACKETS_DO_NOT_MATCH;
          if (depth == 0) {
            closed = true;
            break;
          }
        }
      }
      if (i >= length) break;
      if (closed) {
        pushSpan(itemStart, base + i + 1);
        state = AFTER_ITEM;
      } else inString = true;
      i += 1;
      continue;
    }
    const c = <u32>load<u8>(input + i);
    i += 1;
    if (isSpace(c)) continue;
    if (state == AFTER_ITEM) {
      if (c == 0x2c) state = NEXT_ITEM;
      else if (c == 0x5d) state = AFTER_ARRAY;
      else return NO_COMMA;
    } else if (state == FIRST_ITEM || state == NEXT_ITEM) {
      if (c == 0x5d && state == FIRST_ITEM) {
        state = AFTER_ARRAY;
        continue;
      }
      if (c == 0x2c || c == 0x5d || c == 0x7d) return EMPTY_ITEM;
      itemStart = base + i - 1;
      state = IN_ITEM;
      if (c == 0x22) inString = true;
      else if (c == 0x7b) pushCloser(0x7d);
      else if (c == 0x5b) pushCloser(0x5d);
      else literal = true;
    } else if (state == BEFORE_ARRAY) {
      if (c != 0x5b) return NO_ARRAY;
      state = FIRST_ITEM;
    } else return TEXT_AFTER;
  }
  base += length;
  return 0;
}

/** After the last piece: 0 when the body was one whole array. */
export function finish(): i32 {
  if (state == BEFORE_ARRAY) return NO_ARRAY;
  if (state != AFTER_ARRAY) return inString ? STRING_NOT_CLOSED : ENDS_INSIDE;
  return 0;
}
