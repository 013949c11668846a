import { CannotExecuteError, CommandNotFoundError, ConflictError, isMydockerError, MissingPluginError, NotFoundError, UsageError } from '@mydocker/core';

/** An error with the HTTP status Docker's daemon answers; its message becomes `{"message": …}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const notImplemented = (message: string) => new ApiError(501, message);

/**
 * The status Docker gives the engine's errors: a missing object 404, a conflict (name taken, container
 * running) 409, a refused request 400, a command that cannot run 400 (Docker's CLI reads 126/127 from the
 * words "executable file not found", "permission denied"), anything else 500.
 */
export function statusOf(err: unknown): number {
  if (err instanceof ApiError) return err.status;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof CommandNotFoundError || err instanceof CannotExecuteError) return 400;
  if (err instanceof MissingPluginError) return 501;
  if (err instanceof UsageError) return 400;
  if (isMydockerError(err)) return err.exitCode === 1 ? 409 : 500;
  return 500;
}

/**
 * Docker's clients read 126 from the words "permission denied" (runc's errno for a command that is a
 * directory or not executable); the engine's sentence names the reason more exactly, so the errno's
 * words are added where they are missing.
 */
export function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CannotExecuteError && !/permission denied/i.test(message)) return `${message.replace(/\.$/, '')} (permission denied).`;
  return message;
}
