/** What the user granted a plugin: recorded in the config, or given for one run with --allow-* flags. */
export interface Grants {
  scratch: boolean;
  env: string[];
  read: string[];
  write: string[];
  net: string[];
  exec: string[];
  listen: boolean;
  /** The component these grants were given to; grants of another digest apply only once confirmed. */
  digest?: string;
  /** Where that component came from, shown when asking to confirm a changed component. */
  source?: string;
}

export const emptyGrants = (): Grants => ({ scratch: false, env: [], read: [], write: [], net: [], exec: [], listen: false });
