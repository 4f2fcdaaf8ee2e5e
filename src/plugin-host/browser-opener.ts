/**
 * `host.browser-opener`: the program that opens a URL in the user's browser
 * here, or none without a desktop. A plugin runs it through host-exec, so it
 * is declared, granted and confirmed like any other program.
 */
export function browserOpener(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = (name: string) => Boolean(env[name]);
  if (platform === 'darwin') {
    // Over SSH, `open` would show the page on a screen the user is not at.
    return set('SSH_CONNECTION') || set('SSH_TTY') ? undefined : 'open';
  }
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd' || platform === ('netbsd' as NodeJS.Platform)) {
    // Without a display, xdg-open falls back to a text browser in this very terminal: not an offer worth making.
    return set('DISPLAY') || set('WAYLAND_DISPLAY') ? 'xdg-open' : undefined;
  }
  return undefined;
}
