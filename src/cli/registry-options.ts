/** The registry flags shared by `plugin install`, `push` and `update` (no heavy imports: loaded at start-up). */
import type { Command } from 'commander';

export interface RegistryCommandOptions {
  user?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
}

export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .option('--user <name>', 'registry user name (the password is read with --password-stdin)')
    .option('--password-stdin', 'read the registry password or token from standard input')
    .option('--insecure', 'use plain HTTP for a registry that is not on localhost');
}
