import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { addRegistryOptions, type RegistryCommandOptions } from './registry-options.js';
import { UsageError } from '../util/errors.js';

/** Tags as a registry may name them (distribution spec); anything else it sends is left out. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function registerPluginTags(plugin: Command, ctxOf: (cmd: Command) => CliContext) {
  const tags = plugin
    .command('tags')
    .description("List a repository's tags, newest version first (then the tags that are not versions)")
    .argument('<repository>', 'oci://<registry>/<repository>');
  addRegistryOptions(tags).action(async (reference: string, opts: RegistryCommandOptions, cmd: Command) => {
    const ctx = ctxOf(cmd);
    const { parseReference, formatReference } = await import('../plugin-host/oci/reference.js');
    const ref = parseReference(reference, { requireScheme: true });
    if (ref.tag || ref.digest) {
      throw new UsageError(`give a repository without a tag or digest: ${formatReference({ registry: ref.registry, repository: ref.repository })}`);
    }
    const { openRegistry } = await import('./registry-session.js');
    const { sortTags } = await import('../plugin-host/oci/tags.js');
    const client = await openRegistry(ctx, ref.registry, opts);
    let sorted: string[];
    try {
      sorted = sortTags((await client.listTags(ref.repository)).filter((t) => TAG.test(t)));
    } finally {
      await client.close();
    }
    if (sorted.length === 0 && !ctx.json) ctx.note(`no tags in ${formatReference(ref)}`);
    else ctx.print(sorted, () => sorted.join('\n'));
  });
}
