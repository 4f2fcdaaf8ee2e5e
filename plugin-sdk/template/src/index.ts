/**
 * __NAME__: a wash plugin.
 *
 * `info` (built by definePlugin from the metadata and commands below) is all
 * wash knows about the plugin: it renders `wash __NAME__ --help` from it
 * without running the plugin, and asks the user for the access it declares
 * when the plugin first uses it (nothing undeclared is ever granted).
 * `run` gets the raw argv after `wash __NAME__`; definePlugin parses it
 * against the same declarations, so help and parsing cannot disagree.
 */
import { command, definePlugin, output, UsageError } from '@wash/plugin-sdk';
// #if http
import { serve } from './http.js'; // the incoming HTTP handler and the command that serves it
// #endif

/** `wash __NAME__ __COMMAND__ [name] [--shout] [--times <n>]` */
const greet = command({
  path: ['__COMMAND__'],
  description: 'Print a greeting',
  flags: [
    { long: 'shout', short: 's', description: 'Upper-case the greeting', required: false },
    { long: 'times', short: 'n', description: 'How many times to greet', valueName: 'n', default: '1', required: false },
  ],
  arguments: [{ name: 'name', description: 'Who to greet (default: world)', required: false, variadic: false }],
  examples: ['wash __NAME__ __COMMAND__', 'wash __NAME__ __COMMAND__ Ada --shout', 'wash --output json __NAME__ __COMMAND__ Ada'],
  // `flags` and `args` are typed from the declarations above: flags.shout is a
  // boolean | undefined (a switch), flags.times a string (it has a default),
  // args.name a string | undefined (optional).
  run({ args, flags }) {
    const times = Number(flags.times);
    if (!Number.isInteger(times) || times < 1 || times > 100) {
      // A usage error: wash prints it with a hint to --help and exits 2.
      throw new UsageError(`--times must be a whole number from 1 to 100, not '${flags.times}'`);
    }
    const greeting = `Hello, ${args.name ?? 'world'}!`;
    const text = flags.shout ? greeting.toUpperCase() : greeting;
    if (output.isJson()) {
      // `wash --output json __NAME__ __COMMAND__`: stdout holds exactly this document.
      output.json({ greeting: text, times });
    } else {
      for (let i = 0; i < times; i++) output.print(text);
    }
    return 0; // the exit status
  },
});

/** `wash __NAME__ letters <words...>`: a table under text, an array of objects under --output json. */
const letters = command({
  path: ['letters'],
  description: 'Count the letters of each word',
  arguments: [{ name: 'words', description: 'Words to count', required: true, variadic: true }],
  examples: ['wash __NAME__ letters wasm components'],
  run({ args }) {
    output.table(
      ['word', 'letters'],
      args.words.map((word) => [word, String([...word].length)]),
    );
  },
});

const sdk = definePlugin({
  metadata: {
    // Informational (grants belong to what the user installed); use a domain you control. dev.wash.* is reserved.
    id: 'com.example.__NAME__',
    name: '__NAME__',
    version: '0.1.0',
    description: 'A wash plugin',
    contact: '',
    url: '',
    license: 'Apache-2.0',
    // What the plugin may touch; it starts with nothing. Everything here is
    // shown to the user, who grants or denies it before `run`, e.g.
    //   env: [{ name: 'API_TOKEN', reason: 'authenticate to the API' }],
    //   outgoingHttp: [{ host: 'https://api.example.com', reason: 'fetch the data' }],
    //   scratchDir: 'remember settings between runs',
    // #if !http
    access: {},
    // #endif
    // #if http
    access: {
      incomingHttp: 'serve a page on a loopback port (`__NAME__ serve`)',
    },
    // #endif
  },
  commands: [
    greet,
    letters,
    // #if http
    serve,
    // #endif
  ],
});

// The component's export: `info`, `run` and `hook` (see wit/plugin.wit).
export const plugin = sdk.plugin;
