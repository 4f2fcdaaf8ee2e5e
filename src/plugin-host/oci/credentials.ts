/**
 * Where registry credentials come from, first match wins:
 * `--user` + `--password-stdin`, the wash config's `[registries."<host>"]`
 * (a username and password, or `auth = "login"`: the bearer token of the
 * last `wash login`), then `~/.docker/config.json`
 * (`$DOCKER_CONFIG/config.json`) `auths`.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError, WashError, messageOf } from '../../util/errors.js';
import { DEFAULT_NET_LIMITS, netLimitsFrom, type NetLimits } from '../net/limits.js';
import { registryHostname } from './reference.js';

export interface Credentials {
  username: string;
  password: string;
  /** For messages: where they came from. */
  from: string;
  /** A fresh password when this one was refused (a login token that expired): asked once per client. */
  renew?: () => Promise<string>;
}

/** The token a `wash login` stored for a provider, and a way to get a fresh one (cli/login-token.ts). */
export interface LoginTokenSource {
  read(): Promise<string | undefined>;
  renew(): Promise<string>;
}

/** The provider of `auth = "login"` when the config names none: the core oauth plugin. */
const DEFAULT_LOGIN_PROVIDER = 'oauth';
/**
 * The user name sent with a login token when the config names none: the
 * convention of registries that take an OAuth access token as the password
 * (Google's Artifact Registry); a token service of one's own may ignore it.
 */
const DEFAULT_LOGIN_USERNAME = 'oauth2accesstoken';

export interface RegistrySettings {
  credentials?: Credentials;
  /** Plain HTTP to a non-loopback registry. */
  insecure: boolean;
  /** Token services on other origins that may receive the credentials (`token_realms`). */
  tokenRealms: string[];
  limits: NetLimits;
}

export interface RegistryFlags {
  user?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
}

/** Read a password from stdin (all of it, one trailing newline dropped). */
export async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError('--password-stdin reads the password from standard input, which is a terminal', 'pipe it in: echo "$TOKEN" | wash ...');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length === 0) throw new UsageError('--password-stdin: standard input was empty');
  return password;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** Keys docker writes for a registry: `host`, `https://host`, `https://host/v1/`, and Docker Hub's legacy name. */
function dockerKeyMatches(key: string, registry: string): boolean {
  const normalized = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  if (normalized === registry) return true;
  const hub = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
  return hub.includes(registry) && hub.includes(normalized);
}

export async function dockerCredentials(registry: string, env = process.env): Promise<Credentials | undefined> {
  const file = join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  let config: DockerConfig;
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as DockerConfig;
  } catch {
    return undefined; // missing or unreadable: docker's config is optional
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!dockerKeyMatches(key, registry) || !entry) continue;
    if (typeof entry.auth === 'string' && entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: file };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password, from: file };
  }
  return undefined;
}

/**
 * Settings for one registry. `configFile` is read with the sandbox's reader;
 * a config that does not parse is reported by `warn` and otherwise ignored
 * here (it is not this command's business to refuse over a grant typo).
 */
export async function registrySettings(
  registry: string,
  flags: RegistryFlags,
  configFile: string,
  warn: (text: string) => void,
  readStdin: () => Promise<string> = readPasswordFromStdin,
  loginToken?: (provider: string) => LoginTokenSource,
): Promise<RegistrySettings> {
  if (flags.user !== undefined && !flags.passwordStdin) throw new UsageError('--user needs --password-stdin (the password is read from standard input)');
  if (flags.passwordStdin && flags.user === undefined) throw new UsageError('--password-stdin needs --user <name>');

  let fromConfig: { username?: string; password?: string; auth?: 'login'; provider?: string; insecure?: boolean; tokenRealms?: string[] } | undefined;
  let limits = DEFAULT_NET_LIMITS;
  try {
    const { readConfig } = await import('../../sandbox/config.js');
    const config = await readConfig(configFile);
    fromConfig = config.registries[registry] ?? config.registries[registryHostname(registry)];
    limits = netLimitsFrom(config.settings);
  } catch (err) {
    warn(`warning: ignoring registry settings: ${messageOf(err)}`);
  }
  const insecure = Boolean(flags.insecure || fromConfig?.insecure);
  const common = { insecure, tokenRealms: fromConfig?.tokenRealms ?? [], limits };

  if (flags.user !== undefined) {
    if (flags.user.length === 0) throw new UsageError('--user: the name is empty');
    return { credentials: { username: flags.user, password: await readStdin(), from: '--user' }, ...common };
  }
  if (fromConfig?.auth === 'login') return { credentials: await loginCredentials(registry, fromConfig, configFile, loginToken), ...common };
  if (fromConfig?.username !== undefined || fromConfig?.password !== undefined) {
    if (!fromConfig.username || fromConfig.password === undefined) {
      throw new WashError(`${configFile}: registries."${registry}" needs both username and password`);
    }
    return { credentials: { username: fromConfig.username, password: fromConfig.password, from: configFile }, ...common };
  }
  const docker = await dockerCredentials(registry);
  return { credentials: docker, ...common };
}

/** `auth = "login"`: the bearer token the last `wash login` with the provider stored, renewed through it when refused. */
async function loginCredentials(
  registry: string,
  fromConfig: { username?: string; password?: string; provider?: string },
  configFile: string,
  loginToken: ((provider: string) => LoginTokenSource) | undefined,
): Promise<Credentials> {
  if (fromConfig.password !== undefined) {
    throw new WashError(`${configFile}: registries."${registry}" has auth = "login" and a password: keep one of them`);
  }
  const provider = fromConfig.provider ?? DEFAULT_LOGIN_PROVIDER;
  if (!loginToken) throw new WashError(`registry ${registry}: auth = "login" is not available here`);
  const source = loginToken(provider);
  const token = await source.read();
  if (!token) {
    throw new WashError(
      `registry ${registry} uses your wash login (auth = "login" in ${configFile}), but there is no token from '${provider}'`,
      1,
      `log in first: wash login --provider ${provider}`,
    );
  }
  return {
    username: fromConfig.username ?? DEFAULT_LOGIN_USERNAME,
    password: token,
    from: `the last 'wash login' with ${provider}`,
    renew: () => source.renew(),
  };
}
