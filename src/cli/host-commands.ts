/** wash's own commands: plugins may not take these names (see RESERVED_NAMES). */
export const HOST_COMMANDS = ['plugin', 'help'] as const;
