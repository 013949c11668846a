/**
 * Errors that reach the user. Each carries the exit code Docker would use, so the CLI can
 * print one sentence and exit without a stack trace.
 */
export class MydockerError extends Error {
  constructor(message: string, readonly exitCode: number = 125) {
    super(message);
    this.name = new.target.name;
  }
}

/** The engine refused or failed: bad input, conflicts, missing objects (Docker's 125). */
export class UsageError extends MydockerError {
  constructor(message: string) {
    super(message, 125);
  }
}

export class NotFoundError extends MydockerError {
  constructor(message: string) {
    super(message, 125);
  }
}

export class ConflictError extends MydockerError {
  constructor(message: string) {
    super(message, 125);
  }
}

/** The container's command exists but cannot be executed (Docker's 126). */
export class CannotExecuteError extends MydockerError {
  constructor(message: string) {
    super(message, 126);
  }
}

/** The container's command does not exist (Docker's 127). */
export class CommandNotFoundError extends MydockerError {
  constructor(message: string) {
    super(message, 127);
  }
}

/** A feature whose plugin is not installed: says which package brings it. */
export class MissingPluginError extends MydockerError {
  constructor(readonly what: string, readonly packageName: string) {
    super(`${what} needs the ${packageName} plugin, which is not installed: run \`npm install ${packageName}\` next to @mydocker/cli.`, 125);
  }
}

export function isMydockerError(err: unknown): err is MydockerError {
  return err instanceof Error && typeof (err as MydockerError).exitCode === 'number';
}
