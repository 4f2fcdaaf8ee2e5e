/**
 * Text that came from a plugin is untrusted: it may carry ANSI escapes, bidi
 * overrides or zero-width characters meant to spoof what the user sees. We
 * show such characters as visible escapes (`\u{1b}`) instead of stripping
 * them, since stripping has been beaten by broken sequences (Deno's prompt CVEs).
 */
const INVISIBLE =
  // C0/C1 controls except \n and \t, DEL, zero-width, bidi controls, BOM, line/paragraph separators,
  // soft hyphen, Mongolian vowel separator, word joiner family, interlinear annotations.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;

export function escapeUntrusted(text: string, { allowNewlines = false } = {}): string {
  const escaped = text.replace(INVISIBLE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
  return allowNewlines ? escaped : escaped.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Whether the text holds characters that `escapeUntrusted` would escape. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(text);
}
