/**
 * Errors the CLI turns into a one-paragraph message and an exit code, never a stack trace.
 * `InputError` (exit 2) is the user's to fix: a manifest, a path, a dataset layout, a dataset copy
 * with too many unreadable images. It stops the whole experiment at the first cell that meets it.
 * `RunError` (exit 1) is a failure while running: a NaN loss, a worker that died.
 */
export class FerError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2) {
    super(message);
    this.name = new.target.name;
  }
}

export class InputError extends FerError {
  constructor(message: string) {
    super(message, 2);
  }
}

export class RunError extends FerError {
  constructor(message: string) {
    super(message, 1);
  }
}
