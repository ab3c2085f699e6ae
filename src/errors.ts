/** Errors a service raises for the web layer to turn into the right page or JSON answer. */
export class AppError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Page not found') {
    super(message, 404);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have permission to do that') {
    super(message, 403);
  }
}

export type FieldErrors = Record<string, string>;

/** Bad input: one plain-English message per field, keyed by the field's name in the form. */
export class ValidationError extends AppError {
  constructor(
    readonly fieldErrors: FieldErrors,
    message = 'There is a problem',
  ) {
    super(message, 422);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message = 'Too many attempts. Wait 15 minutes and try again.') {
    super(message, 429);
  }
}
