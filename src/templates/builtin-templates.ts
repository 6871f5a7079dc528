/**
 * The built-in templates: public (every account sees them), read-only, defined here and
 * checked at start-up with the same parser as an account's templates, so a built-in can
 * never carry settings a user's template could not. Each uses one of the lighting presets
 * (settings/lighting-settings.ts), has at least two bookmarks and at least one shot.
 */
import { parseTemplateParts, type TemplateParts } from './template-parts.js';

export interface BuiltinTemplate extends TemplateParts {
  id: string;
}

const DEFINITIONS: (Omit<TemplateParts, 'description'> & { id: string; description: string })[] = [
  {
    id: 'studio-white-packshot',
    name: 'Studio white packshot',
    description: 'E-commerce packshot: soft studio light on pure white, neutral tone mapping for true colours; the four catalogue angles and a seamless turntable.',
    settings: { lighting: 'studio-soft', bgColor: '#ffffff', toneMapping: 'neutral' },
    bookmarks: ['front', 'three-quarter', 'side', 'back'],
    shots: [{ name: 'turntable', effect: 'turntable', easing: false, length: 8 }],
  },
  {
    id: 'dark-hero',
    name: 'Dark hero',
    description: 'Hard side key over near-black with a vignette: deep shadows for hero shots; a low heroic angle and a hero spin.',
    settings: { lighting: 'studio-contrast', bgColor: '#111111', vignette: 0.35 },
    bookmarks: ['three-quarter', { name: 'low-hero', azimuth: 30, elevation: 4 }],
    shots: [
      { name: 'hero-spin', effect: 'hero-spin', length: 6 },
      { name: 'showcase', effect: 'showcase', amplitude: 45, length: 8 },
    ],
  },
  {
    id: 'golden-hour-outdoor',
    name: 'Golden hour outdoor',
    description: 'Low warm evening sun over a sunset sky on a warm sand background: long soft shadows; lifestyle angles and a slow push-in orbit.',
    settings: { lighting: 'golden-hour', bgColor: '#f1e4d0' },
    bookmarks: ['three-quarter', 'side', 'three-quarter-high'],
    shots: [{ name: 'push-in', effect: 'zoom-orbit', zoomStart: 1.1, zoomEnd: 0.85, length: 8 }],
  },
];

/** Checked once, when this module loads: a broken built-in fails every start, not one render. */
export const BUILTIN_TEMPLATES: readonly BuiltinTemplate[] = DEFINITIONS.map(({ id, ...definition }) => ({ id, ...(parseTemplateParts(definition) as TemplateParts) }));

export function findBuiltinTemplate(id: string): BuiltinTemplate | undefined {
  return BUILTIN_TEMPLATES.find((template) => template.id === id);
}
