/// <reference path="./wash-plugin-types.d.ts" />
declare module 'wash:plugin/host@0.2.1' {
  /**
   * The format the user asked for (`--output` before the plugin name, or
   * after it through `set-output-format`). Under `json`, the guest's
   * stdout is sent to stderr so that wash's stdout holds exactly one JSON
   * document, built from what the plugin emitted.
   */
  export function requestedFormat(): OutputFormat;
  /**
   * Structured output: a table. Rendered aligned under `text`, as an array
   * of objects keyed by the headers under `json`.
   */
  export function emitTable(headers: Array<string>, rows: Array<Array<string>>): void;
  /**
   * Structured output: any JSON value. Under `text`, an object of scalars
   * is rendered as `key  value` lines and an array of objects as a table.
   * Fails when `json` does not parse.
   */
  export function emitJson(json: string): void;
  /**
   * A log line, shown on stderr when at or above wash's `--log-level`.
   */
  export function log(level: LogLevel, message: string): void;
  /**
   * The context store: key/value pairs shared by the instances of one
   * plugin call (e.g. a run and the server it started), gone when wash
   * exits. A hook gets a fresh store of its own (see `hook-type`).
   */
  export function contextGet(key: string): string | undefined;
  export function contextSet(key: string, value: string): void;
  export function contextDelete(key: string): void;
  export function contextList(): Array<string>;
  /**
   * The plugin's persistent config: key/value pairs kept between runs,
   * private to the installed plugin (not shared with another claiming its id).
   */
  export function configGet(key: string): string | undefined;
  export function configSet(key: string, value: string): void;
  export function configDelete(key: string): void;
  export function configList(): Array<string>;
  /**
   * Where wash keeps its files, as the guest sees them.
   */
  export function dirs(): WashDirs;
  /**
   * Run a host binary declared in `access.host-exec`. Unless the user
   * granted the binary, each call is asked about, showing the command
   * line; `err` says why it did not run (denied, not found, ...).
   */
  export function hostExec(binary: string, args: Array<string>): ExecOutput;
  /**
   * Serve this component's `wasi:http/incoming-handler` on
   * 127.0.0.1:`port` (0 picks a free port) from a second instance sharing
   * the context store. Returns the bound port. This is for plugins that
   * really serve HTTP; a login's callback is `redirect-listen`'s job.
   * Needs `access.incoming-http`; asked about on first use unless granted.
   */
  export function listen(port: number): number;
  /**
   * Prepare to receive the browser redirect that ends an OAuth / OpenID
   * login (the loopback redirect of RFC 8252), so a plugin needs no HTTP
   * server of its own. wash listens on 127.0.0.1:`port` only (0 picks a
   * free port) and returns the redirect URI to put in the authorization
   * request, `http://127.0.0.1:<port><path>`, before anything arrives;
   * then call `redirect-wait`. `path` starts with `/` and has no query
   * or fragment, e.g. `/callback`. A new `redirect-listen` replaces the
   * call's previous listener; the last one closes when the call ends.
   * Needs `access.incoming-http` (granted with `--listen`); `err` says why
   * not (not granted, the port in use, a bad path). Added in 0.2.1.
   */
  export function redirectListen(path: string, port: number): string;
  /**
   * Wait up to `timeout-ms` (0: until the call's own time limit) for the
   * redirect `redirect-listen` prepared, and return its full URL, query
   * included (`http://127.0.0.1:8888/callback?code=...&state=...`).
   * wash takes exactly one request: the first GET to exactly that path,
   * addressed to `127.0.0.1:<port>`. The browser is told to return to the
   * terminal. Any other request (another path, method or Host header, or
   * one after it) gets a short error page and changes nothing. The plugin
   * checks what it received (the OAuth `state`, an `error` parameter).
   * `err`: the time ran out, or there is no listener (none, or its
   * redirect was already returned). Added in 0.2.1.
   */
  export function redirectWait(timeoutMs: number): string;
  /**
   * The program that opens a URL in the user's browser here: `xdg-open`
   * on a Linux or BSD desktop (DISPLAY or WAYLAND_DISPLAY set), `open` on
   * macOS; none without a desktop (e.g. over SSH), where a plugin just
   * prints the URL. Running it is a `host-exec` like any other: declared
   * in `access.host-exec`, granted, and confirmed by the user. Added in 0.2.1.
   */
  export function browserOpener(): string | undefined;
  /**
   * --- Added in 0.2.1: the output format asked for after the plugin's
   * name, a yes/no question to the user, and files the user names on the
   * command line. A 0.2.0 plugin does not import them.
   * Switch this call to the output format the user asked for after the
   * plugin's name (`wash keys list -o json`: gh and kubectl take flags
   * anywhere). The SDK adds `-o, --output <text|json>` to every command
   * that does not declare `-o` or `--output` itself, and calls this when
   * it parses one, before the command runs; a plugin that parses its own
   * argv may do the same. From then on `requested-format` returns
   * `format`, and under `json` the guest's stdout goes to stderr and
   * wash's stdout holds exactly one JSON document, built from what the
   * plugin emits. `err` once the call has written to stdout or emitted
   * anything: the format is chosen before any output. Added in 0.2.1.
   */
  export function setOutputFormat(format: OutputFormat): void;
  /**
   * Ask the user a yes/no question, e.g. before deleting something that
   * cannot be recovered. wash asks it as its own question on the terminal
   * (on stderr, one line naming the plugin, the text escaped) and takes
   * one key: `y` is yes, anything else no. `none` when wash cannot ask:
   * stdin is not a terminal, `--no-prompt`, or a hook is running; the
   * plugin then needs another confirmation, such as a `--yes` flag, and
   * should name it in its error. Added in 0.2.1.
   */
  export function confirm(question: string): boolean | undefined;
  /**
   * Read a file the user named on this call's command line as the value
   * of a flag whose `value-name` is `file` (help shows `<file>`), e.g.
   * `wash keys sign --seed-file alice.nk`: naming it is the grant, for
   * this call, and no other grant is needed. `path` is the value as given
   * (a relative path is from the user's working directory). Nothing else
   * can be read this way: not a flag's default or env value, not a value
   * given to another kind of flag or argument, not wash's own files, nor
   * anything under /proc, /sys or /dev; only a regular file up to 16 MiB,
   * the very file that was named when the call started (a file swapped in
   * since is refused). `err` says why not. Added in 0.2.1.
   */
  export function readArgumentFile(path: string): Uint8Array;
  export type LogLevel = import('wash:plugin/types@0.2.1').LogLevel;
  export type OutputFormat = import('wash:plugin/types@0.2.1').OutputFormat;
  export type WashDirs = import('wash:plugin/types@0.2.1').WashDirs;
  export type ExecOutput = import('wash:plugin/types@0.2.1').ExecOutput;
}
