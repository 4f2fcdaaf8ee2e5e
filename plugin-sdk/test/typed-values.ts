// Type-level test of the SDK, checked by `tsc -p tsconfig.plugins.json`
// (never run): parsed flags and arguments are typed from the command spec.
// Each `@ts-expect-error` line must fail to compile, or tsc reports the
// directive as unused; each `same<...>()` fails unless the types are equal.
import { command, definePlugin, flag, type FlagSpec, type FlagValues, type Parsed } from '@wash/plugin-sdk';
import type { Flag } from 'wash:plugin/types@0.2.1';

/** Compiles only when X and Y are the same type. */
type Same<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
declare function same<_ extends true>(): void;

const SHARED = flag({ long: 'seed-file', description: 'a file', valueName: 'file', required: false });

const deploy = command({
  path: ['deploy'],
  description: 'every kind of flag and argument',
  flags: [
    { long: 'save', short: 's', description: 'a value', valueName: 'name', required: false },
    { long: 'token', description: 'required', valueName: 'token', required: true },
    { long: 'region', description: 'choices and a default', valueName: 'region', choices: ['eu', 'us'], default: 'eu', required: false },
    { long: 'format', description: 'choices, no default', valueName: 'f', choices: ['text', 'json'], required: false },
    { long: 'tag', description: 'repeatable', valueName: 'tag', repeatable: true, required: false },
    { long: 'yes', short: 'y', description: 'a switch', required: false },
    { long: 'color', description: 'a switch with a default', default: 'true', required: false },
    SHARED,
  ],
  arguments: [
    { name: 'target', description: 'required', required: true, variadic: false },
    { name: 'note', description: 'optional', required: false, variadic: false },
    { name: 'rest', description: 'variadic', required: false, variadic: true },
  ],
  run({ flags, args }) {
    same<Same<typeof flags.save, string | undefined>>();
    same<Same<typeof flags.token, string>>();
    same<Same<typeof flags.region, 'eu' | 'us'>>();
    same<Same<typeof flags.format, 'text' | 'json' | undefined>>();
    same<Same<typeof flags.tag, string[]>>();
    same<Same<typeof flags.yes, boolean | undefined>>();
    same<Same<typeof flags.color, boolean>>();
    same<Same<(typeof flags)['seed-file'], string | undefined>>();
    same<Same<typeof args.target, string>>();
    same<Same<typeof args.note, string | undefined>>();
    same<Same<typeof args.rest, string[]>>();

    // @ts-expect-error an optional value may be undefined
    const save: string = flags.save;
    // @ts-expect-error a switch is not a string
    const yes: string = flags.yes;
    // @ts-expect-error a value is not a number
    const token: number = flags.token;
    // @ts-expect-error only the declared choices
    const region: 'eu' = flags.region;
    // @ts-expect-error a repeatable flag is a list
    const tag: string = flags.tag;
    // @ts-expect-error an undeclared flag does not exist
    void flags.nope;
    // @ts-expect-error an undeclared argument does not exist
    void args.nope;
    // @ts-expect-error a variadic argument is a list
    const rest: string = args.rest;
    // @ts-expect-error the output flag is the SDK's, not the command's
    void flags.output;
    void [save, yes, token, region, tag, rest];
  },
});

// A command without flags or arguments has none to read.
const bare = command({
  path: ['bare'],
  description: 'nothing declared',
  run({ flags, args }) {
    same<Same<typeof flags, {}>>();
    same<Same<typeof args, {}>>();
  },
});

// A spec whose literal types were lost (a plain FlagSpec) gets every possibility, never a wrong certainty.
const WIDE: FlagSpec = { long: 'wide', description: 'typed as FlagSpec', valueName: 'x', required: false };
const wide = command({
  path: ['wide'],
  description: 'a widened flag',
  flags: [WIDE],
  run({ flags }) {
    same<Same<typeof flags.wide, string | string[] | boolean | undefined>>();
  },
});

// Flags declared apart from their command, for a handler that is not inline: `flag` keeps their types.
const LOGIN_FLAGS = [
  flag({ long: 'issuer', description: 'required', valueName: 'url', required: true }),
  flag({ long: 'port', description: 'a default', valueName: 'port', default: '8888', required: false }),
];
function login(flags: FlagValues<typeof LOGIN_FLAGS>): string {
  same<Same<typeof flags, { issuer: string; port: string }>>();
  return `${flags.issuer}:${flags.port}`;
}
void command({ path: ['login'], description: 'a shared handler', flags: LOGIN_FLAGS, run: ({ flags }) => void login(flags) });
void command({
  path: ['relogin'],
  description: 'the same handler on a command whose --issuer is optional',
  flags: [{ long: 'issuer', description: 'optional here', valueName: 'url', required: false }],
  // @ts-expect-error login needs a string --issuer (and a --port)
  run: ({ flags }) => void login(flags),
});

// A WIT flag is a valid FlagSpec (the SDK's spec is the contract's, literal-typed).
declare const witFlag: Flag;
void command({ path: ['wit'], description: 'a WIT flag', flags: [witFlag], run: () => {} });

// Typed commands and untyped ones (`Parsed`) go into one plugin.
void definePlugin({
  metadata: { id: 'test.types', name: 'types', version: '0.0.0', description: '', contact: '', url: '', license: 'MIT' },
  commands: [deploy, bare, wide, { path: ['plain'], description: 'untyped', run: ({ flags }: Parsed) => void flags.anything }],
});
