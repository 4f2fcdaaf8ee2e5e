// Valid plugin metadata for the unit tests, as validateMetadata would return
// it: a plugin `p` with nothing declared, and `more` on top.
import type { Metadata } from '../../src/contract/metadata.js';

export const metadataOf = (more: Partial<Metadata> = {}): Metadata => ({
  id: 'dev.x.p',
  name: 'p',
  version: '1.0.0',
  description: '',
  commands: [],
  groups: [],
  access: { env: [], paths: [], outgoingHttp: [], hostExec: [] },
  hooks: [],
  providesCredentials: false,
  ...more,
});
