// An attacker: every command tries to get something it was not granted.
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { getStderr } from 'wasi:cli/stderr@0.2.12';
import { command, definePlugin, Failure, host, output, http, fs } from '@wash/plugin-sdk';

const ESC = '\u001b';
const arg = { name: 'target', description: 'what to attack', required: false, variadic: false };
const attempt = (what: string, fn: () => unknown) => {
  try {
    output.json({ attack: what, leaked: fn() });
  } catch (err) {
    throw new Failure(`${what}: ${(err as { code?: string }).code ?? (err as Error).message ?? String(err)}`);
  }
};

export const { plugin } = definePlugin({
  metadata: {
    id: 'test.wash.hostile',
    name: 'hostile',
    version: '6.6.6',
    // Erase the line and move up: tries to repaint what the user sees.
    description: `Totally harmless${ESC}[2K${ESC}[1A helper \u202Eevil\u202C`,
    contact: '',
    url: '',
    license: 'MIT',
    access: {
      scratchDir: `cache${ESC}[2K\r  - nothing else; this plugin requests no access`,
      env: [
        { name: 'HOSTILE_OK', reason: 'an env var it may be granted' },
        { name: 'LONG_ONE', reason: 'x'.repeat(5 * 1024) },
      ],
      outgoingHttp: [{ host: 'http://127.0.0.1:*', reason: 'talk to the test server' }],
      hostExec: [{ binary: 'echo', reason: 'show a command it did not run' }],
      // --- paths: a directory, a sub-path of it that a symlink may replace, and a system path
      paths: [
        { path: '~/rw', access: 'read-write', reason: 'a directory it may be granted' },
        { path: '~/rw/link', access: 'read-write', reason: 'a sub-path of it' },
        { path: '/proc', access: 'read-only', reason: 'system information' },
      ],
    },
  },
  commands: [
    {
      path: ['steal-env'],
      description: 'Read an env var',
      arguments: [arg],
      run: ({ args }) =>
        attempt('steal-env', () => {
          const hit = getEnvironment().find(([k]) => k === args.target);
          if (!hit) throw new Error(`${args.target} is not visible`);
          return hit[1];
        }),
    },
    {
      path: ['read'],
      description: 'Read any path',
      arguments: [arg],
      run: ({ args }) => attempt('read', () => new TextDecoder().decode(fs.readFile(String(args.target)))),
    },
    {
      path: ['symlink-escape'],
      description: 'Plant a symlink to the target in the scratch dir and read through it',
      arguments: [arg],
      run: ({ args }) =>
        attempt('symlink-escape', () => {
          const scratch = host.dirs().scratch;
          if (!scratch) throw new Error('no scratch dir');
          const { dir } = fs.locate(scratch);
          try {
            dir.unlinkFileAt('link');
          } catch {
            // not there yet
          }
          dir.symlinkAt(String(args.target), 'link');
          return new TextDecoder().decode(fs.readFile(`${scratch}/link`));
        }),
    },
    { path: ['http'], description: 'GET a URL', arguments: [arg], run: ({ args }) => attempt('http', () => http.request(String(args.target)).text()) },
    {
      path: ['exec'],
      description: 'host-exec something never declared',
      arguments: [arg],
      run: ({ args }) =>
        attempt('exec', () => {
          try {
            return new TextDecoder().decode(host.hostExec(String(args.target ?? 'sh'), ['-c', 'id']).stdout);
          } catch (err) {
            throw new Error(String((err as { payload?: unknown }).payload ?? err));
          }
        }),
    },
    {
      path: ['loop'],
      description: 'never return',
      run() {
        for (;;) {
          // spin
        }
      },
    },
    {
      path: ['alloc'],
      description: 'eat memory',
      run() {
        const hoard: Uint8Array[] = [];
        for (;;) hoard.push(new Uint8Array(32 * 1024 * 1024).fill(7));
      },
    },
    {
      path: ['flood'],
      description: 'write 100 MiB',
      run() {
        const block = `${'y'.repeat(1023)}\n`.repeat(1024);
        for (let i = 0; i < 100; i++) console.log(block);
      },
    },
    // --- terminal: bytes meant for the terminal, not for the user ---
    {
      path: ['tty'],
      description: 'write terminal control sequences (title, report, split, bytes)',
      arguments: [arg],
      run: ({ args }) => {
        const BEL = '\u0007';
        const out = rawWriter(getStdout());
        const err = rawWriter(getStderr());
        if (args.target === 'title') {
          // Window title (OSC 0 and 2) and clipboard (OSC 52: "pwned"), on both streams.
          out(`before${ESC}]0;pwned-title${BEL}${ESC}]52;c;cHduZWQ=${BEL}after\n`);
          err(`${ESC}]2;pwned-title${ESC}\\${ESC}]52;c;cHduZWQ=${ESC}\\stderr-after\n`);
        } else if (args.target === 'report') {
          // Make the terminal answer into stdin: cursor position (DSR 6), device attributes.
          out(`asking${ESC}[6n${ESC}[c done\n`);
        } else if (args.target === 'split') {
          // Every sequence cut between two writes: OSC title, RLO (E2 80 AE), C1 CSI (C2 9B), CR LF.
          for (const piece of [ESC, ']2;split-title', BEL, [0xe2, 0x80], [0xae], 'x', [0xc2], [0x9b], '6n|\r', '\nend\n']) out(piece);
        } else if (args.target === 'bytes') {
          for (const write of [out, err]) write(EVERY_BYTE);
        } else throw new Failure(`tty: unknown target '${args.target}'`);
      },
    },
    {
      path: ['tty-exec'],
      description: 'hide the host-exec confirmation behind a fake one, then ask to run echo',
      run: () =>
        attempt('tty-exec', () => {
          // A fake question, then: no line wrap, cursor to the last column, concealed text.
          // The real question would print every character over that last cell.
          rawWriter(getStderr())(`wash: plugin 'hostile' wants to run: ls -l${ESC}[?7l${ESC}[999C${ESC}[8m`);
          try {
            return new TextDecoder().decode(host.hostExec('echo', ['hostile-real-command']).stdout);
          } catch (err) {
            throw new Error(String((err as { payload?: unknown }).payload ?? err));
          }
        }),
    },
    {
      path: ['http-creds'],
      description: 'GET a URL with credentials in headers of every case',
      arguments: [arg],
      run: ({ args }) =>
        attempt('http-creds', () =>
          http
            .request(String(args.target), {
              headers: { AUTHORIZATION: 'Bearer s3cret', 'Proxy-Authorization': 'Basic cHJveHk6czNjcmV0', Cookie: 'session=s3cret', 'X-Kept': 'kept' },
            })
            .text(),
        ),
    },
    {
      path: ['noisy-info'],
      description: 'print while info describes it (its examples are read then)',
      examples: noisyExamples(),
      run() {
        // nothing: the noise is made while wash learns the plugin's metadata
      },
    },
    // --- paths: symlinks, renames and races against path containment
    {
      path: ['plant-link'],
      description: 'Create the symlink LINK -> TARGET',
      arguments: [pathArg('link'), pathArg('target')],
      run: ({ args }) =>
        attempt('plant-link', () => {
          const { dir, relative } = inParent(String(args.link));
          dir.symlinkAt(String(args.target), relative);
          return 'planted';
        }),
    },
    {
      path: ['plant-scratch-link'],
      description: 'Create the symlink <scratch>/link -> TARGET',
      arguments: [pathArg('target')],
      run: ({ args }) =>
        attempt('plant-scratch-link', () => {
          const scratch = host.dirs().scratch;
          if (!scratch) throw new Error('no scratch dir');
          fs.locate(scratch).dir.symlinkAt(String(args.target), 'link');
          return 'planted';
        }),
    },
    {
      path: ['write'],
      description: 'Write TEXT to PATH',
      arguments: [pathArg('path'), pathArg('text')],
      run: ({ args }) =>
        attempt('write', () => {
          fs.writeFile(String(args.path), String(args.text));
          return 'written';
        }),
    },
    {
      path: ['rename-read'],
      description: 'Move TO aside, rename FROM to TO, then read FILE',
      arguments: [pathArg('from'), pathArg('to'), pathArg('file')],
      run: ({ args }) =>
        attempt('rename-read', () => {
          const [from, to] = [inParent(String(args.from)), inParent(String(args.to))];
          to.dir.renameAt(to.relative, to.dir, `${to.relative}.old`);
          from.dir.renameAt(from.relative, to.dir, to.relative);
          return new TextDecoder().decode(fs.readFile(String(args.file)));
        }),
    },
    {
      path: ['race'],
      description: 'For MS milliseconds, read DIR/d/secret, write DIR/d/out, remove DIR/d/victim, make DIR/d/made',
      arguments: [pathArg('dir'), pathArg('ms')],
      run: ({ args }) =>
        attempt('race', () => {
          const until = Date.now() + Number(args.ms);
          const { dir, relative } = inParent(`${args.dir}/d`);
          let reads = 0;
          let writes = 0;
          let leaked: string | undefined;
          while (Date.now() < until) {
            try {
              const text = new TextDecoder().decode(fs.readFile(`${args.dir}/d/secret`));
              reads++;
              if (!text.startsWith('inside')) leaked ??= text;
            } catch {
              // lost this round
            }
            try {
              fs.writeFile(`${args.dir}/d/out`, 'written by the race');
              writes++;
            } catch {
              // lost this round
            }
            for (const mutate of [
              () => dir.unlinkFileAt(`${relative}/victim`),
              () => dir.createDirectoryAt(`${relative}/made`),
              () => dir.removeDirectoryAt(`${relative}/made`),
            ]) {
              try {
                mutate();
              } catch {
                // lost this round
              }
            }
          }
          return { leaked: leaked ?? null, reads, writes };
        }),
    },
    // --- auth: receive a login redirect without declaring incoming-http
    {
      path: ['redirect'],
      description: 'host.redirect-listen on PORT, then wait 2 s for the redirect',
      arguments: [pathArg('port')],
      run: ({ args }) =>
        attempt('redirect', () => {
          const uri = host.redirectListen('/cb', Number(args.port));
          return { uri, received: host.redirectWait(2000) };
        }),
    },
    // --- consent: one run that uses several declared items, every attempt reported (none stops the run)
    {
      path: ['consent-probe'],
      description: 'Write its scratch dir, read HOSTILE_OK, GET the URL, run echo; report each',
      arguments: [arg],
      run: ({ args }) => {
        const tried: Record<string, string> = {};
        const attemptTo = (what: string, fn: () => unknown) => {
          try {
            fn();
            tried[what] = 'ok';
          } catch (err) {
            tried[what] = String((err as { code?: string }).code ?? (err as { payload?: unknown }).payload ?? (err as Error).message ?? err);
          }
        };
        attemptTo('scratch', () => {
          const scratch = host.dirs().scratch;
          if (!scratch) throw new Error('no scratch dir');
          fs.writeFile(`${scratch}/probe`, 'probed');
        });
        attemptTo('env', () => {
          if (!getEnvironment().some(([k]) => k === 'HOSTILE_OK')) throw new Error('HOSTILE_OK is not visible');
        });
        if (args.target) attemptTo('http', () => http.request(String(args.target)).text());
        attemptTo('exec', () => host.hostExec('echo', ['probe']));
        output.json(tried);
      },
    },
    // --- cli2: files named on the command line, questions, switching the output format
    command({
      path: ['read-arg'],
      description: 'Ask wash for the files each --try names, through host.read-argument-file',
      flags: [
        {
          long: 'in',
          description: 'a file flag with a default and an env fallback',
          valueName: 'file',
          default: '/etc/hostname',
          env: 'HOSTILE_OK',
          required: false,
        },
        { long: 'name', description: 'a value that is not a file', valueName: 'name', required: false },
        { long: 'try', description: 'a path to try', valueName: 'path', repeatable: true, required: false },
        {
          long: 'swap',
          description: 'first move the file named by --in aside and this file in its place (needs write access there)',
          valueName: 'path',
          required: false,
        },
      ],
      arguments: [{ name: 'target', description: 'a positional', required: false, variadic: false }],
      run: ({ flags }) => {
        if (flags.swap !== undefined) {
          const named = inParent(flags.in);
          const other = inParent(flags.swap);
          named.dir.renameAt(named.relative, named.dir, `${named.relative}.aside`);
          other.dir.renameAt(other.relative, named.dir, named.relative);
        }
        output.json(
          flags.try.map((path) => {
            try {
              return { path, read: new TextDecoder().decode(host.readArgumentFile(path)) };
            } catch (err) {
              return { path, refused: String((err as { payload?: unknown }).payload ?? err) };
            }
          }),
        );
      },
    }),
    {
      path: ['ask'],
      description: 'Ask a question that imitates a wash prompt, through host.confirm',
      run: () => output.json({ answer: host.confirm(`harmless?\nwash: plugin keys requests nothing${ESC}[2K\r [y/N] y\u202e`) ?? null }),
    },
    {
      path: ['switch-late'],
      description: 'Write to stdout (raw, or an emitted table), then switch the output to JSON',
      arguments: [{ name: 'how', description: 'raw or emit', required: true, variadic: false }],
      run: ({ args }) => {
        if (args.how === 'raw') rawWriter(getStdout())('text before the switch\n');
        else output.table(['k'], [['v']]);
        try {
          host.setOutputFormat('json');
        } catch (err) {
          throw new Failure(`switch refused: ${String((err as { payload?: unknown }).payload ?? err)}`);
        }
        output.json({ switched: true });
      },
    },
    {
      path: ['switch-then-print'],
      description: 'Switch to JSON, then write raw bytes to stdout and emit a value',
      run: () => {
        host.setOutputFormat('json');
        rawWriter(getStdout())('raw bytes after the switch\n');
        output.json({ emitted: true });
      },
    },
  ],
});

// --- terminal: helpers ---
/** An examples list whose first item, when read (during `info`), writes to stdout and stderr. */
function noisyExamples(): string[] {
  const examples: string[] = [];
  Object.defineProperty(examples, 0, {
    enumerable: true,
    get() {
      rawWriter(getStdout())(`info-noise${ESC}]2;info-title\u0007\n`);
      rawWriter(getStderr())('info-noise on stderr\n');
      return 'wash hostile noisy-info';
    },
  });
  return examples;
}
type Stream = ReturnType<typeof getStdout>;
/** Write exactly these bytes, each call one write. */
function rawWriter(stream: Stream) {
  return (data: string | number[] | Uint8Array) =>
    stream.blockingWriteAndFlush(typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data));
}
/** Bytes 0-255, then sequences that must pass a pipe untouched. */
const EVERY_BYTE = Uint8Array.from([
  ...Array.from({ length: 256 }, (_, i) => i),
  ...new TextEncoder().encode(`${ESC}]0;t\u0007\u202e\u{e0041}\ufe0f\u3164\r\n`),
]);

// --- paths: a required positional argument
function pathArg(name: string) {
  return { name, description: name, required: true, variadic: false };
}

/** The preopen holding PATH's parent directory, and PATH relative to it (never the mount itself). */
function inParent(path: string) {
  const slash = path.lastIndexOf('/');
  const { dir, relative } = fs.locate(path.slice(0, slash) || '/');
  const name = path.slice(slash + 1);
  return { dir, relative: relative === '.' ? name : `${relative}/${name}` };
}
