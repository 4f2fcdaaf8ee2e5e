import { destinationOf, hostMatches, parseHostPattern, type HostPattern } from './host-pattern.js';

interface OutgoingRequestLike {
  scheme(): { tag: 'HTTP' | 'HTTPS' | 'other'; val?: string } | undefined;
  authority(): string | undefined;
}

type Handle = (request: OutgoingRequestLike, options?: unknown) => unknown;

/**
 * Wrap `wasi:http/outgoing-handler.handle` so a request goes out only when its
 * scheme and authority (what the shim actually connects to; the Host header is
 * forbidden to guests) match a granted pattern, or `ask` allows it (the user
 * may be asked for that very `scheme://host:port`, at request time).
 * Redirects are new requests from the guest (fetch follows them itself), so
 * each hop is checked again.
 */
export function guardOutgoingHandler(
  original: { handle: Handle },
  allowed: readonly string[],
  onDenied: (destination: string) => void,
  /** Asked about a destination outside `allowed` (the consent session decides, asking the user if it may). */
  ask?: (scheme: string, authority: string) => boolean,
): { handle: Handle } {
  const patterns: HostPattern[] = allowed.flatMap((p) => {
    try {
      return [parseHostPattern(p)];
    } catch {
      return [];
    }
  });
  return {
    handle(request, options) {
      const scheme = request.scheme();
      const schemeName = !scheme ? 'https' : scheme.tag === 'other' ? (scheme.val ?? '').toLowerCase() : scheme.tag.toLowerCase();
      const authority = request.authority() ?? '';
      const dest = destinationOf(schemeName, authority);
      if (!dest || !patterns.some((p) => hostMatches(p, dest))) {
        if (dest && ask?.(schemeName, authority)) return original.handle(request, options);
        onDenied(`${schemeName}://${authority}`);
        throw { tag: 'HTTP-request-denied' };
      }
      return original.handle(request, options);
    },
  };
}
