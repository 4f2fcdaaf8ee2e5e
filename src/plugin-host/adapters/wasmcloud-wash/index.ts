/**
 * Adapter for plugins built for the Rust wash's contract, `wasmcloud:wash`
 * 0.0.1 and 0.0.2 (the Rust wash removed its plugin system in wasmCloud/wash
 * PR #298). Such a component exports `wasmcloud:wash/plugin@0.0.x` with
 * `info`, `initialize`, `run` and `hook`, and imports the `runner`,
 * `context`, `plugin-config` and `project-config` resources of
 * `wasmcloud:wash/types` plus `wasi:logging/logging`.
 *
 * 0.0.1 was published in three incompatible shapes under one name; which
 * one a component has shows in what its `info` returns (jco lifts whatever
 * record the component declares, so the host reads each shape as data):
 * - `early-unnamed` (wasmCloud/wash f357b97 .. c25c699): `default-command`
 *   and `commands`; arguments without names, with `is-path`, `required`,
 *   `default-value` and a `value` that is always a string; `hooks` and
 *   `credentials` are options; `run`, `hook` and `initialize` return a bare
 *   `result` (output goes through `runner.output`); resources read a missing
 *   key as a default the plugin passes; an `authorize` export.
 * - `early-named` (675bcc4 .. 14a51ee): the same with named arguments that
 *   are required unless they have a `default`, and an optional `value`.
 * - `late` (from bb2aee2, and all of 0.0.2): `command` and `sub-commands`,
 *   arguments with an `env` fallback, calls that return the user's text.
 * The imports below serve every shape at once (each method takes what any
 * shape passes and returns what any expects). Credentials (`authorize`) are
 * not supported in either direction: wash login takes NATS credentials or a
 * bearer token, not their opaque payloads; declared credential types are
 * recorded and shown by inspect.
 *
 * What differs from our own contract, and how we bridge it:
 * - `info` describes commands as a top-level `command` or a list of
 *   `sub-commands`, each with flags keyed by long name and positional
 *   arguments that may fall back to an environment variable and a default.
 *   We map that to our metadata (help, completion, list and inspect work
 *   unchanged) and keep the original commands to run them.
 * - The plugin does not parse argv: the host does, against the declared
 *   command, and passes the command record with every `value` filled in.
 *   Like clap in the Rust wash: a flag or argument without a default is
 *   required; its value comes from the command line, else its environment
 *   variable, else its default. Environment fallbacks read the host's real
 *   environment, but only variables the plugin was granted: the mapped
 *   metadata requests each one (`access.env`), so the user is asked like for
 *   any plugin, and an ungranted variable is as good as unset. Without that,
 *   a flag's env fallback would leak any host variable into the sandbox.
 * - The Rust wash always mounted a per-plugin data dir at `/plugin_data`.
 *   We request our scratch dir for it and, when granted, mount it there.
 * - `host-exec` and `host-exec-background` go through our host-exec grant
 *   and per-call confirmation (see `sandbox/host-exec.ts`). These plugins
 *   cannot declare binaries, so a binary is allowed only when the user
 *   granted it to the plugin (`wash plugin grant <name> --exec <bin>` or
 *   `--allow-run=<bin>`). Denial is an `err`, not the empty output the Rust
 *   wash returned. A background program is stopped when the call ends (the
 *   Rust wash stopped it when wash exited, which for one command is the same).
 * - `plugin-config` is persisted per plugin id (the Rust wash kept it in
 *   memory only); `context` is our invocation's context store.
 * - Of their hook types only the early shapes' `error`, `before-login` and
 *   `after-login` are events wash-ts has (`HOOK_EVENTS`); other declared
 *   hooks are recorded and ignored. `wash plugin test --hook <their name>`
 *   still calls one, for plugin authors.
 *
 * Split along the adapter interface (../contract.ts): shapes.ts (versions,
 * shapes, hooks), describe.ts (`info` -> our metadata), argv.ts (prepare a
 * call), imports.ts (their host imports), call.ts (calling their exports).
 */
import type { ContractAdapter } from '../contract.js';
import { checkWasmcloudWashInfo, describeWasmcloudWash, type WasmcloudWashInfo } from './describe.js';
import { prepareWasmcloudWashCall, type WasmcloudWashCall } from './argv.js';
import { wasmcloudWashImports } from './imports.js';
import { callWasmcloudWash, wasmcloudWashExports } from './call.js';
import { EXPORTS, PLUGIN_DATA_MOUNT, THEIR_HOOKS, type WasmcloudWashContract } from './shapes.js';
import { escapeUntrusted as esc } from '../../../util/untrusted.js';

export type { WasmcloudWashInfo, WasmcloudWashCall };

/** The adapter for one version of their contract (0.0.1 covers its three shapes). */
function wasmcloudWashAdapter(contract: WasmcloudWashContract): ContractAdapter<WasmcloudWashInfo, WasmcloudWashCall> {
  const exportName = EXPORTS[contract];
  return {
    id: contract,
    exportLabel: exportName,
    detect: (exportNames) => exportNames.includes(exportName),
    imports: (options, prepared) => wasmcloudWashImports({ ...options, shape: prepared?.shape }),
    describe(raw) {
      const { metadata, info } = describeWasmcloudWash(wasmcloudWashExports(raw, contract).info(), contract);
      return { metadata, info };
    },
    checkInfo(value) {
      const info = checkWasmcloudWashInfo(value);
      if (info.contract !== contract) throw new Error(`adapter info is for ${info.contract}, not ${contract}`);
      return info;
    },
    prepare(call, component, env) {
      if (!component.info) throw new Error(`no ${contract} info for plugin '${component.metadata.name}'`);
      return prepareWasmcloudWashCall(component.info, component.metadata, call, env);
    },
    call(raw, prepared, { invocation, imports, debug }) {
      callWasmcloudWash(raw, contract, prepared, imports, invocation, debug);
      return { status: 0 };
    },
    // Their data dir is our scratch dir, where they expect it.
    scratchMount: PLUGIN_DATA_MOUNT,
    // They cannot declare host programs: what the user granted the plugin may run.
    execGrants: 'granted',
    preparesWithEnv: true,
    hookNames: THEIR_HOOKS,
    handlesHook: (component, hook) => component.metadata.hooks.includes(hook as never) || (component.info?.hooks.includes(hook) ?? false),
    inspectRows({ info }) {
      if (!info) return [['contract', contract]];
      return [
        ['contract', contract],
        ...(info.ignoredHooks.length
          ? [['ignored', `hooks wash has no events for: ${info.ignoredHooks.map((h) => esc(h)).join(', ')}`] as [string, string]]
          : []),
        ...(info.ignoredCredentials.length
          ? [['ignored', `credential types wash login has no use for: ${info.ignoredCredentials.map((c) => esc(c)).join(', ')}`] as [string, string]]
          : []),
      ];
    },
    debugNotes({ metadata, info }) {
      if (!info?.ignoredHooks.length) return [];
      return [`plugin '${metadata.name}' (${contract}) declares hooks wash has no events for, ignored: ${info.ignoredHooks.map((h) => esc(h)).join(', ')}`];
    },
  };
}

export const wasmcloudWash002 = wasmcloudWashAdapter('wasmcloud:wash@0.0.2');
export const wasmcloudWash001 = wasmcloudWashAdapter('wasmcloud:wash@0.0.1');
