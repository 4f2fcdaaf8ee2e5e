/**
 * A repository's tags as versions: sorted newest semver first (what
 * `wash plugin tags` prints), and the one a reference without a tag means:
 * the highest release, as `npm install name` picks the newest version.
 */
import semver from 'semver';

/** A tag as semver: `1.2.3` or `v1.2.3`; undefined for `latest`, `nightly` and the like. */
export function tagVersion(tag: string): string | undefined {
  return semver.valid(tag) ?? (/^v\d/.test(tag) ? semver.valid(tag.slice(1)) : null) ?? undefined;
}

/**
 * Semver tags newest first (for equal versions, the tag spelled exactly as
 * the version first), then the other tags in alphabetical order.
 */
export function sortTags(tags: readonly string[]): string[] {
  const versioned = tags
    .map((tag) => ({ tag, version: tagVersion(tag) }))
    .filter((t): t is { tag: string; version: string } => t.version !== undefined)
    .sort((a, b) => semver.rcompare(a.version, b.version) || Number(b.tag === b.version) - Number(a.tag === a.version) || a.tag.localeCompare(b.tag));
  const others = tags.filter((tag) => tagVersion(tag) === undefined).sort((a, b) => a.localeCompare(b));
  return [...new Set([...versioned.map((t) => t.tag), ...others])];
}

/** The tag of the highest release (prereleases only when there is no release); undefined when no tag is a version. */
export function newestTag(tags: readonly string[]): string | undefined {
  const sorted = sortTags(tags).filter((tag) => tagVersion(tag) !== undefined);
  return sorted.find((tag) => semver.prerelease(tagVersion(tag)!) === null) ?? sorted[0];
}
