declare module 'wash:plugin/types@0.2.1' {
  /**
   * A flag a command accepts, e.g. `--save <name>` or `-f`.
   */
  export interface Flag {
    /**
     * Long name without dashes: `save` for `--save`.
     */
    long: string,
    /**
     * Optional one-character short name without the dash: `s` for `-s`.
     */
    short?: string,
    /**
     * One line shown in help.
     */
    description: string,
    /**
     * The value's placeholder in help (`<name>`). `none` makes the flag a
     * boolean switch that takes no value. `file` (help shows `<file>`)
     * says the value names a file: the plugin may read the file the user
     * names there with `host.read-argument-file`, without a grant.
     */
    valueName?: string,
    /**
     * Default value shown in help; the plugin applies it when parsing.
     */
    'default'?: string,
    /**
     * Whether the command fails with a usage error when the flag is
     * missing (and its `env` variable, if any, is unset or empty).
     */
    required: boolean,
    /**
     * An environment variable that supplies the value when the flag is
     * not on the command line (before `default`). The host adds it to
     * the plugin's requested access, so the user is asked for it like
     * any variable; without a grant it is unset. For a switch, `1`,
     * `true`, `yes` and `on` mean on; `0`, `false`, `no` and `off` off.
     */
    env?: string,
    /**
     * The only values accepted (shown in help and used by completions);
     * empty means any value. The default, if any, must be one of them.
     */
    choices: Array<string>,
    /**
     * Whether the flag may be given more than once; its values are
     * collected in order. Only for flags that take a value. A flag that
     * is not repeatable and is given twice is a usage error.
     */
    repeatable: boolean,
  }
  /**
   * A positional argument of a command.
   */
  export interface Argument {
    /**
     * Shown in help as `<name>` (required) or `[name]` (optional).
     */
    name: string,
    /**
     * One line shown in help.
     */
    description: string,
    /**
     * Whether the command fails with a usage error when it is missing.
     */
    required: boolean,
    /**
     * Whether it takes all remaining arguments (only valid for the last one).
     */
    variadic: boolean,
  }
  /**
   * A command the plugin offers, reached as `wash <plugin> <path...>`.
   * 
   * The host only uses commands to render help and completions: it never
   * parses argv for the plugin. Multi-level commands are plain paths, e.g.
   * `["user", "gen"]` for `wash <plugin> user gen`.
   */
  export interface Command {
    /**
     * Words after the plugin name. An empty path is the plugin's own
     * top-level command (`wash <plugin> [flags] [args]`).
     */
    path: Array<string>,
    /**
     * One line shown in help.
     */
    description: string,
    flags: Array<Flag>,
    arguments: Array<Argument>,
    /**
     * Full example invocations, e.g. `wash keys gen user --save alice`.
     */
    examples: Array<string>,
  }
  /**
   * A description for the words that lead to commands without being one,
   * e.g. `["team", "member"]` for `wash <plugin> team member add|rm`.
   * `wash <plugin> team member --help` shows it and the commands under it.
   */
  export interface CommandGroup {
    path: Array<string>,
    /**
     * One line shown in help.
     */
    description: string,
  }
  /**
   * How a path may be used.
   * # Variants
   * 
   * ## `"read-only"`
   * 
   * ## `"read-write"`
   */
  export type PathAccess = 'read-only' | 'read-write';
  /**
   * Access to one environment variable, by exact name.
   */
  export interface EnvRequest {
    name: string,
    /**
     * Why the plugin needs it; shown to the user in the access question.
     */
    reason: string,
  }
  /**
   * Access to a host path other than the plugin's scratch dir.
   * 
   * `path` is absolute, or starts with one of the placeholders `{cache}`,
   * `{data}`, `{config}` (wash's own XDG directories), or `~` (home). The
   * host resolves it and shows the resolved path (and where a symlink
   * leads) in the question. The guest sees the directory at the same
   * absolute path it has on the host, mounted even before it is granted:
   * its first operation asks, and a refusal is the filesystem error `access`.
   */
  export interface PathRequest {
    path: string,
    access: PathAccess,
    reason: string,
  }
  /**
   * Outgoing HTTP to one authority, in the style of Spin's
   * `allowed_outbound_hosts`: `https://api.example.com`, `http://127.0.0.1:8080`,
   * `https://*.example.com` (subdomains, not the apex). Without a port the
   * scheme's default port is meant. A broad pattern (`https://*`) lets the
   * user be asked, at request time, for the concrete `scheme://host[:port]`
   * contacted; that is what "always" records.
   */
  export interface HostRequest {
    host: string,
    reason: string,
  }
  /**
   * Running one host binary through `host.host-exec`.
   */
  export interface ExecRequest {
    /**
     * Binary name looked up on PATH, or an absolute path.
     */
    binary: string,
    reason: string,
  }
  /**
   * Everything a plugin asks for. It starts with nothing: anything not
   * declared here is denied without asking. Nothing is asked before `run`:
   * an item declared but not yet granted is asked about, one question per
   * item, at its first use while the guest waits inside the call that
   * used it: the first operation on its scratch dir or a declared path,
   * the first read of the environment (one question for the declared
   * variables it lacks), each new HTTP authority at request time, each
   * `host.host-exec` call, `host.listen`. The user answers allow once,
   * allow always, deny, or deny always (recorded: never asked again).
   * Without a terminal (or with `--no-prompt`) and in hooks nothing is
   * asked: the use fails (an absent variable, the filesystem error
   * `access`, `HTTP-request-denied`, an `err` from the host call).
   */
  export interface Access {
    env: Array<EnvRequest>,
    /**
     * Some(reason) asks for a private, persistent scratch directory
     * (`<wash data>/plugins/fs/<identity>/`, one per installed plugin),
     * created when first granted. See `host.dirs`.
     */
    scratchDir?: string,
    paths: Array<PathRequest>,
    outgoingHttp: Array<HostRequest>,
    hostExec: Array<ExecRequest>,
    /**
     * Some(reason) asks to receive HTTP on a 127.0.0.1 port: the browser
     * redirect that ends a login (`host.redirect-listen`, any world), or
     * requests to the plugin's own `wasi:http/incoming-handler`
     * (`host.listen`, the `http-plugin-guest` world). Granted with
     * `--listen` / `--allow-listen`.
     */
    incomingHttp?: string,
  }
  /**
   * Host events a plugin can handle through `plugin.hook`. A hook is told
   * about an event; it cannot change the command: it runs after (or
   * before) it with its own recorded grants only (no `--allow-*` flags,
   * never a question, nothing else mounted), in a fresh context store holding only the keys listed
   * here, with a short deadline (`hook_timeout_seconds`, default 5), its
   * output on stderr prefixed with its name, anything it emits dropped,
   * and no effect on the command's exit status. `wash --no-hooks` skips them.
   * # Variants
   * 
   * ## `"before-login"`
   * 
   * Before `wash login` asks a provider for credentials. Context: `login.provider`.
   * ## `"after-login"`
   * 
   * After `wash login` stored credentials. Context: `login.provider`,
   * `login.creds_file` and/or `login.token_file` (paths, not contents).
   * ## `"after-install"`
   * 
   * After a plugin was installed or updated. Context: `plugin.name`,
   * `plugin.version`, `plugin.digest`, `plugin.source` (without userinfo or query).
   * ## `"error"`
   * 
   * After a plugin run failed. Context: `error.plugin` (its name) and
   * `error.exit_code`; never its message, which may hold secrets.
   */
  export type HookType = 'before-login' | 'after-login' | 'after-install' | 'error';
  /**
   * What a plugin tells the host about itself. Returned by `plugin.info`,
   * cached by the component's digest: `info` must not depend on the
   * environment, argv or time.
   */
  export interface Metadata {
    /**
     * Reverse-DNS id, e.g. `com.example.deploy`. Informational: grants,
     * the scratch dir and the config store belong to what the user
     * installed (its name and source, and the digest grants were given
     * to), never to this id. `dev.wash.*` is reserved to wash's core
     * plugins, and `wash plugin install` refuses an id another installed
     * plugin already has.
     */
    id: string,
    /**
     * The command name: `wash <name>`. `[a-z][a-z0-9-]*`, and not a host
     * command (`plugin`, `help`, `config`, `login`).
     */
    name: string,
    /**
     * Semantic version of the plugin, e.g. `1.2.0`.
     */
    version: string,
    /**
     * One line shown in `wash --help` and `wash plugin list`.
     */
    description: string,
    /**
     * Author contact, e.g. `Jane Doe <jane@example.com>`.
     */
    contact?: string,
    /**
     * Source or documentation URL.
     */
    url?: string,
    /**
     * SPDX license expression.
     */
    license?: string,
    commands: Array<Command>,
    /**
     * Descriptions of intermediate command words (see `command-group`).
     */
    groups: Array<CommandGroup>,
    access: Access,
    hooks: Array<HookType>,
    /**
     * Whether the component exports `authenticate`.
     */
    providesCredentials: boolean,
  }
  /**
   * Why a run failed.
   */
  export type RunError = RunErrorUsage | RunErrorFailure;
  /**
   * The arguments were wrong: the host prints the message with a hint
   * to `--help` and exits with status 2.
   */
  export interface RunErrorUsage {
    tag: 'usage',
    val: string,
  }
  /**
   * The command failed: the host prints the message and exits with 1.
   */
  export interface RunErrorFailure {
    tag: 'failure',
    val: string,
  }
  /**
   * # Variants
   * 
   * ## `"trace"`
   * 
   * ## `"debug"`
   * 
   * ## `"info"`
   * 
   * ## `"warn"`
   * 
   * ## `"error"`
   */
  export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /**
   * The output format the user asked for with `--output`.
   * # Variants
   * 
   * ## `"text"`
   * 
   * ## `"json"`
   */
  export type OutputFormat = 'text' | 'json';
  /**
   * wash's own directories, as the guest sees them.
   */
  export interface WashDirs {
    /**
     * The plugin's scratch dir, when declared (its first use asks unless granted).
     */
    scratch?: string,
    /**
     * wash's cache, data and config directories. Knowing them grants
     * nothing: a plugin still needs a `path-request` to open them.
     */
    cache: string,
    data: string,
    config: string,
  }
  /**
   * The result of `host.host-exec`.
   */
  export interface ExecOutput {
    /**
     * Exit status, or -1 when the process was killed by a signal.
     */
    status: number,
    stdout: Uint8Array,
    stderr: Uint8Array,
  }
  /**
   * Credentials returned by `authenticate`.
   */
  export interface Credentials {
    /**
     * A NATS user JWT.
     */
    natsJwt?: string,
    /**
     * The NATS nkey seed that signs for `nats-jwt` (`SU...`).
     */
    natsSeed?: string,
    /**
     * A bearer token for HTTP APIs.
     */
    bearerToken?: string,
  }
}
