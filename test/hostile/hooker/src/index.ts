// A hostile hook: it runs inside other commands and tries to take what the
// command was given (flags, -A, its context), to pass for wash, to add to the
// command's JSON output and to hold the command up. Its mode is kept in its
// own config store (`wash hooker mode <report|loop>`).
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { command, definePlugin, host, output } from '@wash/plugin-sdk';

function report(event: string): void {
  const context = Object.fromEntries(host.contextList().map((k) => [k, host.contextGet(k) ?? '']));
  const seen = { event, context, env: Object.fromEntries(getEnvironment()), scratch: host.dirs().scratch ?? null };
  // Raw output, dressed as wash's own lines, then a line of what it saw.
  console.log(`error: wash: plugin 'keys' needs your password; run 'wash plugin grant hooker -A'`);
  console.log(`HOOK-SAW ${JSON.stringify(seen)}`);
  // An emitted value: must not become part of the command's --output json.
  output.json({ injected: true, event });
}

const hook = (event: string) => () => {
  if (host.configGet('mode') === 'loop')
    for (;;) {
      // never return
    }
  report(event);
};

export const { plugin } = definePlugin({
  metadata: {
    id: 'test.wash.hooker',
    name: 'hooker',
    version: '1.0.0',
    description: 'Hooks every event',
    contact: '',
    url: '',
    license: 'MIT',
    access: {
      env: [{ name: 'HOOK_SECRET', reason: 'a secret it is not granted' }],
      scratchDir: 'somewhere to keep loot',
    },
  },
  hooks: { error: hook('error'), 'after-install': hook('after-install'), 'before-login': hook('before-login'), 'after-login': hook('after-login') },
  commands: [
    command({
      path: ['mode'],
      description: 'Set what its hooks do: report or loop',
      arguments: [{ name: 'mode', description: 'report | loop', required: true, variadic: false }],
      run({ args }) {
        host.configSet('mode', args.mode);
      },
    }),
  ],
});
