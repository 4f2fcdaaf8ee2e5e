/**
 * The wash config file (TOML, `<XDG config>/wash/config.toml`): host settings,
 * registry credentials, and the answers the user chose to keep: grants
 * ("allow always", `wash plugin grant`) and denials ("deny always").
 *
 *     [settings]
 *     timeout_seconds = 300        # wall-clock limit per plugin run
 *     hook_timeout_seconds = 5     # wall-clock limit per hook call
 *     memory_mb = 2048             # ceiling on wash's resident memory while a plugin runs
 *     max_output_mb = 64           # stdout + stderr a plugin may write per run
 *     network_timeout_seconds = 60 # registries and URL downloads: a request with a small answer, start to end
 *     min_download_kib_per_second = 16  # a component transfer, over each window of network_timeout_seconds
 *
 *     [registries."ghcr.io"]
 *     username = "me"
 *     password = "..."
 *     insecure = false             # plain HTTP (always for localhost / 127.0.0.1)
 *     token_realms = ["https://auth.example.com"]  # token services on other origins trusted with these credentials
 *
 *     [registries."registry.example.com"]
 *     auth = "login"               # the bearer token of the last `wash login` (instead of username/password)
 *     provider = "oauth"           # the plugin that login asked (default: oauth); renewed through it when rejected
 *     username = "oauth2accesstoken"  # the user name sent with the token (this is the default)
 *
 *     [grants."core:keys"]         # by plugin identity (see identity.ts), never the id it declares
 *     scratch = true
 *     env = ["NATS_URL"]
 *     read = ["/home/me/projects"]
 *     write = ["/home/me/.cache/wash"]
 *     net = ["https://api.example.com", "https://*.example.org:8443"]
 *     exec = ["git"]
 *     listen = true
 *     digest = "sha256:..."        # the component the grants were given to: another digest must be confirmed
 *     source = "oci://..."         # where that component came from (shown when asking to confirm)
 *
 *     [grants."core:keys".deny]    # "deny always": refused without asking, for any component of this identity
 *     env = ["AWS_SECRET_ACCESS_KEY"]
 *     net = ["https://tracker.example.com"]
 *     scratch = true               # same keys as the grants; `wash plugin revoke` clears an entry
 *
 * Reads never modify the file. A key wash does not know (a newer wash's, a
 * typo) is kept and ignored: `wash config validate` reports it as a warning,
 * it never fails a run. A known key of the wrong type is an error. Writes
 * re-read the file under a lock, change only what they mean to, and replace
 * it atomically (through a symlink: the file it points to), so concurrent
 * writers lose nothing and unknown keys survive (comments do not: smol-toml
 * has no comment-preserving writer).
 */
import { readFile, open, rm, stat } from 'node:fs/promises';
import { parse, stringify, TomlError } from 'smol-toml';
import { linkTarget, writeFileAtomic } from '../util/atomic.js';
import { WashError } from '../util/errors.js';
import { timeoutProblem } from './limits.js';

// Grants live in ./grants.ts (what wash's start-up needs, without the TOML parser); re-exported for the config's users.
import { emptyGrants, type Grants } from './grants.js';
export { emptyGrants, type Grants };

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** `login`: the bearer token of the last `wash login` with `provider`. */
  auth?: 'login';
  /** The credentials provider plugin whose `wash login` token is used. */
  provider?: string;
  insecure?: boolean;
  /** Origins of token services (other than the registry's own) that may receive the credentials. */
  tokenRealms?: string[];
}

export interface Settings {
  timeoutSeconds: number;
  /** Deadline of one hook call: hooks report, they must not hold the command up. */
  hookTimeoutSeconds: number;
  memoryMb: number;
  maxOutputMb: number;
  networkTimeoutSeconds: number;
  minDownloadKibPerSecond: number;
}

export interface WashConfig {
  settings: Settings;
  registries: Record<string, RegistryAuth>;
  grants: Record<string, Grants>;
  /** "Deny always" answers per identity (the `deny` table inside its grants table). */
  denials: Record<string, Grants>;
}

export const DEFAULT_SETTINGS: Settings = {
  timeoutSeconds: 300,
  hookTimeoutSeconds: 5,
  memoryMb: 2048,
  maxOutputMb: 64,
  networkTimeoutSeconds: 60,
  minDownloadKibPerSecond: 16,
};

export const SETTING_KEYS: Record<string, keyof Settings> = {
  timeout_seconds: 'timeoutSeconds',
  hook_timeout_seconds: 'hookTimeoutSeconds',
  memory_mb: 'memoryMb',
  max_output_mb: 'maxOutputMb',
  network_timeout_seconds: 'networkTimeoutSeconds',
  min_download_kib_per_second: 'minDownloadKibPerSecond',
};

/** A token realm as the config lists it: an http(s) URL, compared by origin. */
function realmOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

export interface ConfigProblem {
  path: string;
  message: string;
  /** A warning (a key wash does not know) is reported by `config validate` only. */
  severity: 'error' | 'warning';
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

const GRANT_LISTS = ['env', 'read', 'write', 'net', 'exec'] as const;
const GRANT_BOOLS = ['scratch', 'listen'] as const;
/** The table of "deny always" answers inside an identity's grants table. */
export const DENY_KEY = 'deny';

/** Interpret a parsed document, collecting every problem instead of stopping at the first. */
export function interpretConfig(doc: Table): { config: WashConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message, severity: 'error' });
  const unknown = (path: string) => problems.push({ path, message: 'unknown key (kept, ignored)', severity: 'warning' });
  const config: WashConfig = { settings: { ...DEFAULT_SETTINGS }, registries: {}, grants: {}, denials: {} };

  /** The table at `path` (when there is one): each of its keys and values; anything but a table there is a problem. */
  const entries = (value: unknown, path: string): [string, unknown][] => {
    if (value === undefined) return [];
    if (isTable(value)) return Object.entries(value);
    problem(path, 'must be a table');
    return [];
  };
  /** Each table under `[name]` (`[registries."ghcr.io"]`, `[grants."core:keys"]`), by its key. */
  const tablesIn = (name: string, each: (key: string, table: Table) => void) => {
    for (const [key, value] of entries(doc[name], name)) {
      if (isTable(value)) each(key, value);
      else problem(`${name}.${key}`, 'must be a table');
    }
  };
  /** Whether `v` passes `ok`; when it does not, a problem at `path` saying what it `must` be. */
  const valid = <T>(v: unknown, ok: (v: unknown) => v is T, path: string, must: string): v is T => {
    if (ok(v)) return true;
    problem(path, must);
    return false;
  };
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

  for (const key of Object.keys(doc)) {
    if (!['settings', 'registries', 'grants'].includes(key)) unknown(key);
  }
  for (const [key, value] of entries(doc.settings, 'settings')) {
    const field = SETTING_KEYS[key];
    if (!field) unknown(`settings.${key}`);
    else if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) problem(`settings.${key}`, 'must be a positive integer');
    else if (field === 'timeoutSeconds' && timeoutProblem(value)) problem(`settings.${key}`, timeoutProblem(value)!);
    else config.settings[field] = value;
  }
  tablesIn('registries', (host, table) => {
    const auth: RegistryAuth = {};
    for (const [key, v] of Object.entries(table)) {
      const path = `registries.${host}.${key}`;
      if (key === 'username' || key === 'password') {
        if (valid(v, isString, path, 'must be a string')) auth[key] = v;
      } else if (key === 'auth') {
        if (valid(v, (x): x is 'login' => x === 'login', path, 'must be "login" (or left out: username and password)')) auth.auth = v;
      } else if (key === 'provider') {
        if (valid(v, (x): x is string => isString(x) && /^[a-z][a-z0-9-]*$/.test(x), path, 'must be a plugin name')) auth.provider = v;
      } else if (key === 'insecure') {
        if (valid(v, isBool, path, 'must be true or false')) auth.insecure = v;
      } else if (key === 'token_realms') {
        const origins = Array.isArray(v) ? v.map((x) => (isString(x) ? realmOrigin(x) : undefined)) : undefined;
        if (valid(origins, (o): o is string[] => Array.isArray(o) && o.every(isString), path, 'must be a list of http(s) URLs')) auth.tokenRealms = origins;
      } else unknown(path);
    }
    config.registries[host] = auth;
  });
  tablesIn('grants', (id, table) => {
    const access = (section: Table, path: string, withBinding: boolean): Grants => {
      const grants = emptyGrants();
      for (const [key, v] of Object.entries(section)) {
        const at = `${path}.${key}`;
        if ((GRANT_LISTS as readonly string[]).includes(key)) {
          if (valid(v, (x): x is string[] => Array.isArray(x) && x.every(isString), at, 'must be a list of strings'))
            grants[key as (typeof GRANT_LISTS)[number]] = v;
        } else if ((GRANT_BOOLS as readonly string[]).includes(key)) {
          if (valid(v, isBool, at, 'must be true or false')) grants[key as (typeof GRANT_BOOLS)[number]] = v;
        } else if (withBinding && (key === 'digest' || key === 'source')) {
          if (valid(v, isString, at, 'must be a string')) grants[key] = v;
        } else if (withBinding && key === DENY_KEY) {
          if (valid(v, isTable, at, 'must be a table')) config.denials[id] = access(v, at, false);
        } else unknown(at);
      }
      return grants;
    };
    config.grants[id] = access(table, `grants.${id}`, true);
  });
  return { config, problems };
}

/** Parse TOML text; a syntax error becomes a WashError with line and column. */
export function parseConfigText(text: string, file: string): Table {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new WashError(`${file}:${err.line}:${err.column}: invalid TOML: ${reason}`, 1, 'the file was left untouched');
    }
    throw err;
  }
}

/** The file as parsed TOML, with its own keys; a missing file is an empty document. */
export async function readDocument(file: string): Promise<Table> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new WashError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  return parseConfigText(text, file);
}

const errorsIn = (problems: ConfigProblem[]) => problems.filter((p) => p.severity === 'error');

/** Load and interpret the config; a missing file is the default config. Errors (not warnings) fail. */
export async function readConfig(file: string): Promise<WashConfig> {
  const { config, problems: all } = interpretConfig(await readDocument(file));
  const problems = errorsIn(all);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new WashError(
      `${file}: ${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      1,
      "run 'wash config validate' for every problem",
    );
  }
  return config;
}

export async function validateConfigFile(file: string): Promise<ConfigProblem[]> {
  return interpretConfig(await readDocument(file)).problems;
}

const LOCK_STALE_MS = 30_000;

/** An exclusive lock file next to the config; stale locks (dead writer) are broken. */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 20_000;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        const { mkdir } = await import('node:fs/promises');
        const { dirname } = await import('node:path');
        await mkdir(dirname(file), { recursive: true });
        continue;
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await rm(lock, { force: true });
      if (Date.now() > deadline) throw new WashError(`config ${file} is locked by another wash (${lock})`);
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * Change the config file: re-read it under the lock, let `mutate` edit the
 * raw document (so keys we do not know survive), check the result, and
 * replace the file atomically.
 */
export async function updateConfig(file: string, mutate: (doc: Table) => void): Promise<WashConfig> {
  // A config that is a symlink (dotfiles kept in a repo) is written where it points: the link stays a link.
  const target = await linkTarget(file);
  return withLock(target, async () => {
    const doc = await readDocument(target);
    mutate(doc);
    const { config, problems } = interpretConfig(doc);
    const errors = errorsIn(problems);
    if (errors.length > 0) throw new WashError(`refusing to write an invalid config: ${errors[0]!.path}: ${errors[0]!.message}`);
    await writeFileAtomic(target, `${stringify(doc)}\n`, { mode: 0o600 });
    return config;
  });
}

/** The `grants` table of a plugin identity inside a raw document, created when missing. */
export function grantTable(doc: Table, key: string): Table {
  if (!isTable(doc.grants)) doc.grants = {};
  const grants = doc.grants as Table;
  if (!isTable(grants[key])) grants[key] = {};
  return grants[key] as Table;
}
