/**
 * The PATH a container gets when its image sets none, and the one written into images made here
 * (the default busybox image, `import`): Docker's and runc's default, so `run IMAGE sh` finds its
 * shell the same way under every engine.
 */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `DEFAULT_PATH` as an image config's / a process's environment entry. */
export const DEFAULT_PATH_ENV = `PATH=${DEFAULT_PATH}`;
