import type { RunSpec } from './model';

/**
 * Docker's StdinOnce: the Engine API's flag when the container was created through it, else the CLI's
 * rule (docker/cli opts.go: -i attaches stdin unless the run is detached, so `run -i` and `create -i`
 * have it and `run -di` does not).
 */
export function stdinOnce(spec: Pick<RunSpec, 'stdinOnce' | 'interactive' | 'detach'>): boolean {
  return spec.stdinOnce ?? (spec.interactive && !spec.detach);
}

/**
 * What an attach client's end of input does, as moby's stream.CopyStreams decides it: a StdinOnce
 * container without a TTY has its stdin closed (the attach lasts until its output ends); otherwise the
 * container's stdin stays open for the next client and only this attach's output ends.
 */
export type InputEnd = 'close-container-stdin' | 'end-attach-output';

export function inputEndOf(spec: Pick<RunSpec, 'stdinOnce' | 'interactive' | 'detach' | 'tty'>): InputEnd {
  return stdinOnce(spec) && !spec.tty ? 'close-container-stdin' : 'end-attach-output';
}
