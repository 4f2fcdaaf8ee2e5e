// Which version an update or an install without a tag picks among a
// registry's tags: `wash plugin update`'s pickUpdate and oci/tags.ts (tagVersion, sortTags, newestTag) for
// `plugin tags` and `plugin install oci://repo`. Tag lists are the
// registry's text, fed in as it could send them.
import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { pickUpdate } from '../../src/cli/plugin-update.js';
import { newestTag, sortTags, tagVersion } from '../../src/plugin-host/oci/tags.js';

const pick = (tags: string[], current: string, major = false) => pickUpdate(semver, tags, current, major);
const best = (tags: string[], current: string, major = false) => pick(tags, current, major).best?.tag;

describe('update: the highest compatible newer tag', () => {
  const tags = ['0.9.0', '1.0.0', '1.2.0', 'v1.3.0', '1.3.1-rc.1', '2.0.0', '2.1.0-beta', 'latest', 'nightly'];

  it('caret semantics: same major; with --major any newer one', () => {
    expect(pick(tags, '1.0.0')).toEqual({ best: { tag: 'v1.3.0', version: '1.3.0' }, newerMajor: '2.0.0' });
    expect(pick(tags, '1.0.0', true)).toEqual({ best: { tag: '2.0.0', version: '2.0.0' }, newerMajor: undefined });
    expect(pick(tags, '2.0.0')).toEqual({ best: undefined, newerMajor: undefined }); // 2.1.0-beta is a prerelease
    expect(pick(tags, '3.0.0')).toEqual({ best: undefined, newerMajor: undefined });
  });

  it('0.x: the minor is the major', () => {
    expect(pick(['0.1.1', '0.1.9', '0.2.0', '1.0.0'], '0.1.0')).toEqual({ best: { tag: '0.1.9', version: '0.1.9' }, newerMajor: '1.0.0' });
    expect(pick(['0.0.2', '0.0.3', '0.1.0'], '0.0.1')).toEqual({ best: undefined, newerMajor: '0.1.0' }); // ^0.0.1 is exactly 0.0.1
  });

  it('prereleases only when the current version is one', () => {
    expect(best(['1.1.0-rc.1', '1.0.1'], '1.0.0')).toBe('1.0.1');
    expect(best(['1.1.0-rc.1', '1.1.0-rc.2'], '1.1.0-rc.1')).toBe('1.1.0-rc.2');
    expect(best(['1.1.0-rc.2', '1.1.0'], '1.1.0-rc.1')).toBe('1.1.0');
    expect(best(['1.2.0-rc.1'], '1.1.0-rc.1')).toBe('1.2.0-rc.1');
  });

  it('equal versions: the tag spelled exactly as the version wins over the v-prefixed one', () => {
    expect(best(['v1.1.0', '1.1.0'], '1.0.0')).toBe('1.1.0');
    expect(best(['1.1.0', 'v1.1.0'], '1.0.0')).toBe('1.1.0');
  });

  it('nothing newer: the same version or older tags are never an update', () => {
    expect(pick(['1.0.0', 'v1.0.0', '0.9.9'], '1.0.0')).toEqual({ best: undefined, newerMajor: undefined });
    expect(pick([], '1.0.0')).toEqual({ best: undefined, newerMajor: undefined });
  });

  it('strict: only a valid OCI tag that is exactly `X.Y.Z` or `vX.Y.Z` (nothing trimmed or coerced) is a version', () => {
    for (const tag of [
      ' 9.0.0',
      '9.0.0 ',
      '1.9.0\n',
      '\t1.9.0',
      '=1.9.0',
      'V1.9.0',
      'vv1.9.0',
      'v=1.9.0',
      '1.9.0+build',
      '01.9.0',
      '1.9',
      '1.9.0.1',
      'v 1.9.0',
      'latest',
    ]) {
      expect(best([tag], '1.0.0', true), JSON.stringify(tag)).toBeUndefined();
    }
    expect(best(['v1.9.0'], '1.0.0')).toBe('v1.9.0');
  });

  it('a hostile tag list: thousands of tags, escape sequences, huge numbers', () => {
    const many = Array.from({ length: 2000 }, (_, i) => `1.${i}.0`);
    expect(best(['\u001b[2J1.5.0', ...many, `1.${'9'.repeat(20)}.0`], '1.0.0')).toBe('1.1999.0');
  });
});

describe('tags: how `plugin tags` sorts them and what `plugin install oci://repo` picks', () => {
  it('semver newest first (the exact spelling first), then the rest alphabetically, each once', () => {
    expect(sortTags(['latest', '1.0.0', 'v2.0.0', '2.0.0', '10.0.0', '2.0.0-rc.1', 'dev', '1.0.0'])).toEqual([
      '10.0.0',
      '2.0.0',
      'v2.0.0',
      '2.0.0-rc.1',
      '1.0.0',
      'dev',
      'latest',
    ]);
    expect(sortTags([])).toEqual([]);
  });

  it('the newest release; a prerelease only when there is no release; nothing when no tag is a version', () => {
    expect(newestTag(['1.0.0', '2.0.0-rc.1', 'latest'])).toBe('1.0.0');
    expect(newestTag(['2.0.0-rc.1', '2.0.0-rc.2'])).toBe('2.0.0-rc.2');
    expect(newestTag(['latest', 'main'])).toBeUndefined();
    expect(newestTag([])).toBeUndefined();
  });

  it('tagVersion: `1.2.3` and `v1.2.3`; not `latest`', () => {
    expect(tagVersion('1.2.3')).toBe('1.2.3');
    expect(tagVersion('v1.2.3-rc.1')).toBe('1.2.3-rc.1');
    for (const tag of ['latest', 'V1.2.3', 'vv1.2.3', 'v', '1.2', '=1.2.3']) expect(tagVersion(tag), tag).toBeUndefined();
  });

  // One reading of a tag (oci/tags.ts tagVersion) for update, install and
  // `plugin tags`: exactly `1.2.3` or `v1.2.3`, nothing semver.valid would trim
  // or loosen, and no build metadata (`+` is not allowed in an OCI tag).
  it('padded and build-metadata tags are not versions, for update and install alike', () => {
    const lax = [' 1.9.0', '1.9.0 ', '1.9.0\n', '\t1.9.0', '1.9.0+build'];
    for (const tag of lax) {
      expect(tagVersion(tag), JSON.stringify(tag)).toBeUndefined();
      expect(best([tag], '1.0.0'), JSON.stringify(tag)).toBeUndefined();
    }
    // An install without a tag never picks a tag `plugin tags` would not show as a version.
    expect(newestTag(['1.0.0', '1.9.0\n'])).toBe('1.0.0');
  });
});
