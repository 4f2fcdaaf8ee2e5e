/**
 * Text that came from a plugin is untrusted: it may carry ANSI escapes, bidi
 * overrides or zero-width characters meant to spoof what the user sees. We
 * show such characters as visible escapes (`\u{1b}`) instead of stripping
 * them, since stripping has been beaten by broken sequences (Deno's prompt CVEs).
 *
 * What is escaped: every code point that is a control (Cc: C0, DEL, C1), a
 * format character (Cf: bidi embeddings, overrides, isolates and marks,
 * zero-width space/joiners, word joiner, BOM, soft hyphen, interlinear
 * annotations, tag characters U+E0000-E007F, ...), a line or paragraph
 * separator (U+2028/2029), or Default_Ignorable (variation selectors
 * U+FE00-FE0F and U+E0100-E01EF, the combining grapheme joiner, Hangul
 * fillers U+115F, U+1160, U+3164, U+FFA0, Khmer and Mongolian invisibles):
 * everything Unicode itself says renders as nothing or changes how other
 * text is laid out. The price: emoji built with a zero-width joiner or a
 * variation selector show those as escapes.
 *
 * Not escaped: U+2800 (braille pattern blank) and the Unicode spaces. They
 * take up a cell like a space and hide or reorder nothing, and braille
 * patterns are what terminal charts draw with; a name spoofed with one looks
 * no different from one spoofed with an ordinary space.
 */
export const ESCAPED_RANGES: readonly (readonly [number, number])[] = [
  [0x0000, 0x0008], // C0 controls; \t (9) and \n (a) are layout
  [0x000b, 0x001f], // C0 controls, CR included
  [0x007f, 0x009f], // DEL, C1 controls (0x9b is a one-character CSI)
  [0x00ad, 0x00ad], // soft hyphen
  [0x034f, 0x034f], // combining grapheme joiner
  [0x0600, 0x0605], // Arabic number signs (prepended format characters)
  [0x061c, 0x061c], // Arabic letter mark (bidi)
  [0x06dd, 0x06dd], // Arabic end of ayah
  [0x070f, 0x070f], // Syriac abbreviation mark
  [0x0890, 0x0891], // Arabic pound/piastre marks above
  [0x08e2, 0x08e2], // Arabic disputed end of ayah
  [0x115f, 0x1160], // Hangul choseong/jungseong fillers
  [0x17b4, 0x17b5], // Khmer inherent vowels (invisible)
  [0x180b, 0x180f], // Mongolian free variation selectors, vowel separator
  [0x200b, 0x200f], // zero-width space, non-joiner, joiner; LRM, RLM
  [0x2028, 0x202e], // line/paragraph separators; bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates, deprecated format characters
  [0x3164, 0x3164], // Hangul filler
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // zero-width no-break space (BOM)
  [0xffa0, 0xffa0], // halfwidth Hangul filler
  [0xfff0, 0xfffb], // reserved default-ignorables, interlinear annotation controls
  [0x110bd, 0x110bd], // Kaithi number sign
  [0x110cd, 0x110cd], // Kaithi number sign above
  [0x13430, 0x1343f], // Egyptian hieroglyph format controls
  [0x1bca0, 0x1bca3], // shorthand format controls
  [0x1d173, 0x1d17a], // musical symbol format controls
  [0xe0000, 0xe0fff], // tag characters, variation selectors supplement, reserved default-ignorables
];

/** The Basic Multilingual Plane as a lookup table (64 KiB): output escaping asks per character. */
const ESCAPED_BMP = new Uint8Array(0x10000);
for (const [first, last] of ESCAPED_RANGES) ESCAPED_BMP.fill(1, first, Math.min(last, 0xffff) + 1);
const ASTRAL_RANGES = ESCAPED_RANGES.filter(([, last]) => last > 0xffff);

/** Whether a code point is shown as an escape (\n and \t are not: callers decide about those). */
export function isEscapedCodePoint(cp: number): boolean {
  if (cp < 0x10000) return ESCAPED_BMP[cp] === 1;
  for (const [first, last] of ASTRAL_RANGES) if (cp >= first && cp <= last) return true;
  return false;
}

const hex = (cp: number) => cp.toString(16);
const INVISIBLE = new RegExp(
  // Lone surrogates too: a JS string can hold them, a terminal shows them as U+FFFD at best.
  `[${ESCAPED_RANGES.map(([a, b]) => (a === b ? `\\u{${hex(a)}}` : `\\u{${hex(a)}}-\\u{${hex(b)}}`)).join('')}\\u{d800}-\\u{dfff}]`,
  'gu',
);

/** How an escaped code point is shown. */
export const escapeCodePoint = (cp: number): string => `\\u{${hex(cp)}}`;

export function escapeUntrusted(text: string, { allowNewlines = false } = {}): string {
  const escaped = text.replace(INVISIBLE, (ch) => escapeCodePoint(ch.codePointAt(0)!));
  return allowNewlines ? escaped : escaped.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Whether the text holds characters that `escapeUntrusted` would escape. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(text);
}

/** The escaped characters JSON.stringify leaves as they are (it escapes C0 and lone surrogates itself). */
const INVISIBLE_IN_JSON = new RegExp(
  `[${ESCAPED_RANGES.filter(([, last]) => last >= 0x7f)
    .map(([a, b]) => `\\u{${hex(Math.max(a, 0x7f))}}-\\u{${hex(b)}}`)
    .join('')}]`,
  'gu',
);

/**
 * JSON for wash's stdout: the same value as JSON.stringify's, with every
 * character escapeUntrusted would escape written as a JSON `\uXXXX` escape
 * (a surrogate pair beyond the BMP), so a document printed to a terminal
 * cannot carry a C1 control, a bidi override or an invisible character.
 */
export function stringifyJson(value: unknown, indent = 2): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(INVISIBLE_IN_JSON, (ch) =>
    Array.from({ length: ch.length }, (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
