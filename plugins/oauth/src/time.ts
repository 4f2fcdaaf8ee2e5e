/**
 * Times as people and programs read them: `--output json` gets ISO 8601,
 * text a UTC date and how far off it is. (A plugin sees no TZ variable, so
 * text stays in UTC rather than guess a local zone.)
 */

/** `2025-06-01T12:00:00.000Z`, or null for 0 (no expiry given). */
export function isoDate(epochSeconds: number): string | null {
  return epochSeconds ? new Date(epochSeconds * 1000).toISOString() : null;
}

function span(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

/** `2025-06-01 12:00:00 UTC (in 59 min)` / `(3 h ago)`; `never` for 0. */
export function textDate(epochSeconds: number, nowSeconds: number): string {
  if (!epochSeconds) return 'never';
  const date = new Date(epochSeconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const delta = epochSeconds - nowSeconds;
  return `${date} (${delta >= 0 ? `in ${span(delta)}` : `${span(delta)} ago`})`;
}
