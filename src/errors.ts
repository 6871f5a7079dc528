/**
 * The one error type that reaches users. Every failure a user can cause or see carries a
 * stable machine-readable `code`, a human `message`, and the HTTP `status` the REST API
 * answers with. The CLI prints `code: message`; MCP tools return the same as isError results.
 */
export class RenderbayError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'RenderbayError';
    this.code = code;
    this.status = status;
  }

  toJSON(): { code: string; message: string; status: number } {
    return { code: this.code, message: this.message, status: this.status };
  }
}

/** A plain object form of an error that can cross a process boundary (worker → engine). */
export interface SerializedError {
  code: string;
  message: string;
  status: number;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof RenderbayError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message, status: 500 };
}

export function deserializeError(serialized: SerializedError): RenderbayError {
  return new RenderbayError(serialized.code, serialized.message, serialized.status);
}

/** What a client is told about a failure, over REST (`{ error: … }`) and MCP alike. */
export interface ErrorEnvelope {
  code: string;
  message: string;
  status: number;
}

/**
 * The one rule for reporting a failure: a RenderbayError keeps its code and message;
 * anything else is logged with its detail and reported as a generic `internal`. Server
 * errors (status ≥ 500) are logged with their stack either way.
 */
export function errorEnvelope(error: unknown, log: (message: string) => void): ErrorEnvelope {
  if (error instanceof RenderbayError) {
    if (error.status >= 500) log(`internal error: ${error.stack ?? error.message}`);
    return { code: error.code, message: error.message, status: error.status };
  }
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return { code: 'internal', message: 'Internal server error', status: 500 };
}
