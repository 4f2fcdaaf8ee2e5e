/**
 * A repository's tags as versions: sorted newest semver first (what
 * `wash plugin tags` prints), and the one a reference without a tag means:
 * the highest release, as `npm install name` picks the newest version.
 */
import valid from 'semver/functions/valid.js';
import rcompare from 'semver/functions/rcompare.js';
import prerelease from 'semver/functions/prerelease.js';
import { TAG } from './reference.js';

/**
 * A tag (or a recorded version) as semver: exactly `1.2.3` or `v1.2.3`, the
 * two spellings repositories tag releases with; undefined for `latest`,
 * `nightly` and the like. The registry's text is taken as it is: a valid OCI
 * tag (so no build metadata: `+` is not allowed in a tag), and semver with
 * nothing trimmed or coerced (semver.valid alone takes ' 1.2.3\n' for 1.2.3).
 */
export function tagVersion(tag: string | undefined): string | undefined {
  if (!tag || !TAG.test(tag)) return undefined;
  const bare = tag.startsWith('v') ? tag.slice(1) : tag;
  return valid(bare) === bare ? bare : undefined;
}

/**
 * Semver tags newest first (for equal versions, the tag spelled exactly as
 * the version first), then the other tags in alphabetical order.
 */
export function sortTags(tags: readonly string[]): string[] {
  const versioned = tags
    .map((tag) => ({ tag, version: tagVersion(tag) }))
    .filter((t): t is { tag: string; version: string } => t.version !== undefined)
    .sort((a, b) => rcompare(a.version, b.version) || Number(b.tag === b.version) - Number(a.tag === a.version) || a.tag.localeCompare(b.tag));
  const others = tags.filter((tag) => tagVersion(tag) === undefined).sort((a, b) => a.localeCompare(b));
  return [...new Set([...versioned.map((t) => t.tag), ...others])];
}

/** The tag of the highest release (prereleases only when there is no release); undefined when no tag is a version. */
export function newestTag(tags: readonly string[]): string | undefined {
  const sorted = sortTags(tags).filter((tag) => tagVersion(tag) !== undefined);
  return sorted.find((tag) => prerelease(tagVersion(tag)!) === null) ?? sorted[0];
}
