/**
 * What a template is made of, checked with the one settings schema, and how it merges
 * into a render's settings. Pure functions: the service (template-service.ts) and the CLI
 * both use them, so a template means the same everywhere.
 *
 * ```ts
 * const parts = parseTemplateParts({ name: 'Blue', settings: { bgColor: '#2050A0' }, bookmarks: ['front'], shots: [] });
 * applyTemplate(parts, { output: 'stills' }); // → { bgColor: '#2050a0', stills: ['front'], output: 'stills' }
 * ```
 */
import { RenderbayError } from '../errors.js';
import { EFFECTS, parseRenderSettings, type RenderSettingsInput } from '../settings/render-settings.js';
import { STILL_NAME, type StillEntry } from '../settings/stills-settings.js';
import { AUTO_FRAMING_FIELDS } from '../settings/camera-settings.js';
import { MAX_TEMPLATE_SHOTS, SHOT_FIELDS, TEMPLATE_EXCLUDED_FIELDS } from '../settings/template-settings.js';

/** A shot: a named video camera move (SHOT_FIELDS only). */
export type Shot = { name: string } & Partial<Pick<RenderSettingsInput, (typeof SHOT_FIELDS)[number]>>;

/** The parts of a template that shape renders. */
export interface TemplateLook {
  /** The look: render settings fields, only those given (normalised), none excluded. */
  settings: Record<string, unknown>;
  /** Stills angles, each as a `stills` entry. */
  bookmarks: StillEntry[];
  shots: Shot[];
}

export interface TemplateParts extends TemplateLook {
  name: string;
  description: string | null;
}

const MAX_NAME = 100;
const MAX_DESCRIPTION = 1000;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function invalidSettings(what: string, message: string): RenderbayError {
  return new RenderbayError('invalid_settings', `Invalid template ${what}: ${message}`, 400);
}

/**
 * Parses `given` with the one settings schema and keeps only the fields it named, as
 * the schema normalised them (so `#2050A0` is stored as `#2050a0`, and defaults the
 * request did not choose are not frozen into the template).
 */
function parsedFields(what: string, given: Record<string, unknown>, context: Record<string, unknown> = {}): Record<string, unknown> {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseRenderSettings({ ...context, ...given }) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof RenderbayError && error.code === 'invalid_settings') throw invalidSettings(what, error.message.replace(/^Invalid renderSettings: /, ''));
    throw error;
  }
  return Object.fromEntries(Object.keys(given).map((field) => [field, parsed[field]]));
}

export function parseTemplateSettings(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isObject(value)) throw invalidSettings('settings', 'settings must be an object of render settings');
  const excluded = Object.keys(value).filter((field) => Object.hasOwn(TEMPLATE_EXCLUDED_FIELDS, field) || (SHOT_FIELDS as readonly string[]).includes(field));
  if (excluded.length > 0) {
    const reasons = excluded.map((field) => `${field} (${TEMPLATE_EXCLUDED_FIELDS[field] ?? 'camera moves are the template\'s shots'})`);
    throw invalidSettings('settings', `a template's settings carry the look only, not ${reasons.join(', ')}`);
  }
  return parsedFields('settings', value);
}

export function parseBookmarks(value: unknown): StillEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidSettings('bookmarks', 'bookmarks must be an array of still names or { name, azimuth, elevation } objects');
  if (value.length === 0) return [];
  // Bookmarks are a stills list: the stills schema checks names, angles, count and uniqueness.
  const { stills } = parsedFields('bookmarks', { stills: value }, { output: 'stills' });
  return stills as StillEntry[];
}

export function parseShots(value: unknown): Shot[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidSettings('shots', 'shots must be an array of { name, effect, …camera move fields } objects');
  if (value.length > MAX_TEMPLATE_SHOTS) throw invalidSettings('shots', `a template keeps at most ${MAX_TEMPLATE_SHOTS} shots`);
  const shots = value.map((shot, index): Shot => {
    const what = `shots[${index}]`;
    if (!isObject(shot)) throw invalidSettings(what, 'a shot is an object { name, effect, …camera move fields }');
    const { name, ...fields } = shot;
    if (typeof name !== 'string' || !STILL_NAME.test(name)) throw invalidSettings(what, 'a shot name is 1–40 letters, digits, "-" or "_"');
    const foreign = Object.keys(fields).filter((field) => !(SHOT_FIELDS as readonly string[]).includes(field));
    if (foreign.length > 0) throw invalidSettings(what, `a shot takes name and ${SHOT_FIELDS.join(', ')} (not ${foreign.join(', ')})`);
    if (fields.effect !== undefined && !(EFFECTS as readonly unknown[]).includes(fields.effect)) throw invalidSettings(what, `effect must be one of: ${EFFECTS.join(', ')}`);
    return { name, ...parsedFields(what, fields) };
  });
  const names = shots.map((shot) => shot.name);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) throw invalidSettings('shots', `shot names must be unique (repeated: ${[...new Set(repeated)].join(', ')})`);
  return shots;
}

function parseName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || name.length > MAX_NAME) throw new RenderbayError('invalid_request', `name must be 1 to ${MAX_NAME} characters`);
  return name;
}

function parseDescription(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION) throw new RenderbayError('invalid_request', `description must be text of at most ${MAX_DESCRIPTION} characters`);
  return value;
}

const PART_NAMES = ['name', 'description', 'settings', 'bookmarks', 'shots'] as const;

/**
 * A template as given to POST (every part) or PATCH (`partial`: only the parts given).
 * `public` may be given as false: only built-in templates are public.
 */
export function parseTemplateParts(body: unknown, options: { partial?: boolean } = {}): Partial<TemplateParts> {
  if (!isObject(body)) throw new RenderbayError('invalid_request', 'The body must be a JSON object { name, description, settings, bookmarks, shots }');
  const { public: isPublic, ...parts } = body;
  if (isPublic !== undefined && isPublic !== false) {
    throw new RenderbayError('invalid_request', 'public must be false: only built-in templates are public; yours are seen by your account only');
  }
  const unknown = Object.keys(parts).filter((key) => !(PART_NAMES as readonly string[]).includes(key));
  if (unknown.length > 0) throw new RenderbayError('invalid_request', `Unknown template field(s) ${unknown.join(', ')} (allowed: ${PART_NAMES.join(', ')}, public)`);
  const given = (part: string) => !options.partial || Object.hasOwn(parts, part);
  const result: Partial<TemplateParts> = {};
  if (given('name')) result.name = parseName(parts.name);
  if (given('description')) result.description = parseDescription(parts.description);
  if (given('settings')) result.settings = parseTemplateSettings(parts.settings);
  if (given('bookmarks')) result.bookmarks = parseBookmarks(parts.bookmarks);
  if (given('shots')) result.shots = parseShots(parts.shots);
  return result;
}

/**
 * A render's settings input with a template applied: the template's look, then (for a
 * stills job without a `stills` list or an explicit camera) its bookmarks as the stills,
 * or (for a video without an `effect`) its first shot, then every field the request gave,
 * which wins (a request's `cameraOrbit` also sets aside the template's framing fields). The result is parsed by the caller like any request.
 */
export function applyTemplate(template: TemplateLook, input: Record<string, unknown>): Record<string, unknown> {
  const output = input.output ?? (input.effect === 'dataset' ? 'dataset' : 'video');
  const merged: Record<string, unknown> = { ...template.settings };
  if (output === 'stills' && input.stills === undefined && input.cameraOrbit === undefined && template.bookmarks.length > 0) {
    merged.stills = template.bookmarks;
  }
  if (output === 'video' && input.effect === undefined && template.shots.length > 0) {
    const { name: _name, ...move } = template.shots[0];
    Object.assign(merged, move);
  }
  // An explicit camera in the request replaces the template's framing (rotateY, zoom, fill,
  // the model's orientation), which it would otherwise contradict.
  if (input.cameraOrbit !== undefined) for (const field of AUTO_FRAMING_FIELDS) delete merged[field];
  return { ...merged, ...input };
}
