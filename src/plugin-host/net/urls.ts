/**
 * URLs as wash records and shows them: a URL's userinfo is a password and
 * its query often a signature (S3, GCS and CDN signed URLs carry the secret
 * there), so neither is written to provenance, given to hooks or printed.
 */

/** The URL without userinfo, query or fragment; text that is not a URL is returned unchanged. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return text;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.href;
}

/** The `Authorization` value for a URL's userinfo (as curl sends it), or undefined. */
export function basicFromUserinfo(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return `Basic ${Buffer.from(`${decode(url.username)}:${decode(url.password)}`).toString('base64')}`;
}

/** Redirects wash follows for one request (a download, a registry call, a token) before it gives up. */
export const MAX_REDIRECTS = 5;

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** How a redirect changes the method: 303 (and 301/302 after a POST) become a GET without a body, as fetch does. */
export function redirectMethod(status: number, method: string): { method: string; keepBody: boolean } {
  if (status === 303 && method !== 'GET' && method !== 'HEAD') return { method: 'GET', keepBody: false };
  if ((status === 301 || status === 302) && method === 'POST') return { method: 'GET', keepBody: false };
  return { method, keepBody: true };
}
