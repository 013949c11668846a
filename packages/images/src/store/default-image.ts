/** The image `run` uses when none is named; the store builds it from the host's busybox when absent. */
export const DEFAULT_IMAGE = 'busybox:latest';
