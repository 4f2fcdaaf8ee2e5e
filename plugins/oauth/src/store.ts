/** The token set, kept in the plugin's scratch dir (the only place it can write). */
import { fs, host, Failure } from '@wash/plugin-sdk';

export interface StoredTokens {
  issuer: string;
  client_id: string;
  client_secret?: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  /** Seconds since the epoch; 0 when the provider gave no expiry. */
  expires_at: number;
  subject?: string;
  scope?: string;
}

/** wash did not grant the scratch dir (it asks at the first use; a denial is the WASI error `access`). */
const NO_SCRATCH = "no scratch dir: grant it with 'wash plugin grant oauth --scratch' (tokens are kept there)";

function tokenFile(): string {
  const scratch = host.dirs().scratch;
  if (!scratch) throw new Failure(NO_SCRATCH);
  return `${scratch}/tokens.json`;
}

export function loadTokens(): StoredTokens | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(fs.readFile(tokenFile()))) as StoredTokens;
  } catch (err) {
    if (err instanceof fs.FsError && err.code === 'no-entry') return undefined;
    if (err instanceof fs.FsError && err.code === 'access') throw new Failure(NO_SCRATCH);
    throw err instanceof Failure ? err : new Failure(`cannot read stored tokens: ${(err as Error).message}`);
  }
}

export function saveTokens(tokens: StoredTokens): void {
  const file = tokenFile();
  // Write then rename, so a crash never leaves half a token file.
  const tmp = `${file}.tmp`;
  try {
    fs.writeFile(tmp, JSON.stringify(tokens, null, 2));
  } catch (err) {
    throw err instanceof fs.FsError && err.code === 'access' ? new Failure(NO_SCRATCH) : err;
  }
  const { dir, relative } = fs.locate(tmp);
  dir.renameAt(relative, dir, fs.locate(file).relative);
}

export function removeTokens(): boolean {
  const { dir, relative } = fs.locate(tokenFile());
  try {
    dir.unlinkFileAt(relative);
    return true;
  } catch {
    return false;
  }
}
