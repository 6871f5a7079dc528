/**
 * The one paging parser every list uses (models, renders; REST and MCP alike).
 *
 * The hosted reference documents `limit` as "default 50, Max 100" and `offset` as a plain
 * pagination offset, and never answers 400 for a large page: numbers are therefore taken
 * as they come and brought into range — `limit` clamped to 1–100, `offset` to
 * 0–MAX_OFFSET, fractions rounded down — and `meta` echoes the values actually used.
 * Only something that is not a number at all (`limit=ten`) is refused, with
 * `invalid_request` naming the parameter.
 */
import { RenderbayError } from './errors.js';

export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 100;
/**
 * Largest offset used: far beyond any list, and still an integer SQLite binds exactly
 * (an offset like 1e300 is not one, and SQLite refuses it with "datatype mismatch").
 */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

export interface Page<T> {
  data: T[];
  meta: { total: number; offset: number; limit: number };
}

export interface PagingQuery {
  limit?: unknown;
  offset?: unknown;
}

export function parsePaging(query: PagingQuery): { limit: number; offset: number } {
  return {
    limit: pagingNumber('limit', query.limit, LIST_DEFAULT_LIMIT, 1, LIST_MAX_LIMIT, `default ${LIST_DEFAULT_LIMIT}, clamped to 1–${LIST_MAX_LIMIT}`),
    offset: pagingNumber('offset', query.offset, 0, 0, MAX_OFFSET, 'default 0, items to skip'),
  };
}

function pagingNumber(name: string, value: unknown, fallback: number, min: number, max: number, hint: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isNaN(number)) throw new RenderbayError('invalid_request', `${name} must be a number (${hint})`);
  return Math.min(max, Math.max(min, Math.floor(number)));
}
