// A registry's tag list is the registry's text. Which tags count as versions
// is decided by one function (oci/tags.ts tagVersion) for every use: `plugin
// tags` sorting, `plugin install oci://...` without a tag (the newest
// version) and `plugin update`. A tag counts only when it is exactly a
// semantic version, `1.2.3` or `v1.2.3` (the two spellings OCI repositories
// use): nothing trimmed or coerced, so a tag padded with whitespace or
// control characters can never be taken for the release it imitates.
import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { newestTag, sortTags, tagVersion } from '../../src/plugin-host/oci/tags.js';
import { pickUpdate } from '../../src/cli/plugin-update.js';

describe('tags as versions: exact semver, a leading v allowed', () => {
  it.each([
    ['1.2.3', '1.2.3'],
    ['v1.2.3', '1.2.3'],
    ['1.2.3-rc.1', '1.2.3-rc.1'],
    ['v0.0.1-alpha', '0.0.1-alpha'],
  ])('%j is version %j', (tag, version) => {
    expect(tagVersion(tag)).toBe(version);
  });

  it.each([
    ' 1.2.3',
    '1.2.3 ',
    '\t1.2.3',
    '1.2.3\n',
    '=1.2.3',
    'V1.2.3',
    'vv1.2.3',
    'v',
    '1.2',
    '01.2.3',
    '1.2.3+build',
    '1.2.3_build',
    'latest',
    '',
    undefined,
  ])('%j is not a version', (tag) => {
    expect(tagVersion(tag)).toBeUndefined();
  });

  it('install without a tag never picks a padded tag as the newest release', () => {
    expect(newestTag([' 9.0.0', '8.0.0 ', '\t7.0.0', '1.0.0', 'v1.1.0', 'latest'])).toBe('v1.1.0');
  });

  it('plugin tags lists padded tags with the other non-version tags, after every version', () => {
    expect(sortTags(['latest', ' 9.0.0', '1.0.0', 'v2.0.0', '1.0.0+x'])).toEqual(['v2.0.0', '1.0.0', ' 9.0.0', '1.0.0+x', 'latest']);
  });

  it('update and install agree on what a version is', () => {
    const tags = [' 9.0.0', '1.2.0', 'v1.3.0', '1.4.0 ', '=1.5.0'];
    expect(pickUpdate(semver, tags, '1.0.0', false).best).toEqual({ tag: 'v1.3.0', version: '1.3.0' });
    expect(newestTag(tags)).toBe('v1.3.0');
  });
});
