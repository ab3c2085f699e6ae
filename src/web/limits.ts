/** Largest form or JSON body accepted; file uploads have their own limit. */
export const BODY_LIMIT = 1024 * 1024;
/** Largest uploaded file (CSV, documents). */
export const UPLOAD_LIMIT = 5 * 1024 * 1024;
