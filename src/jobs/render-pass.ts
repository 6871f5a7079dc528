/**
 * Which pending renders one rendering pass serves.
 *
 * Renders of the same model whose settings are identical are rendered once and get the
 * same files. Renders whose settings differ only in background fields (bgColor,
 * bgImageId, bgAlign, vignette, foregroundIds: see BACKGROUND_FIELDS) share the pass too:
 * the frames are rendered once as RGBA and composited once per distinct background — a
 * variant. Anything else (camera, quality, orientation, animation, length…) changes the
 * rendered pixels, so such renders never share.
 */
import { passKey, type Quality, type RenderSettings } from '../settings/render-settings.js';

/** A distinct look within a pass: the renders that asked for exactly these settings. */
export interface PassVariant {
  settings: RenderSettings;
  renderIds: string[];
}

export interface PendingRender {
  id: string;
  /** The stored settings JSON (canonical: written by the one settings schema). */
  settings: string;
}

/**
 * Most variants one pass composites and encodes at once, by tier. Each variant runs its
 * own encoders (one ffmpeg with three x264 outputs; two for pro), so the cap bounds the
 * pass's memory (`npm run bench -- render <model> --quality Q --variants N`): at standard
 * three variants peaked at 1.9 GB. A 4k variant's encoders alone take 1.1 GB next to a
 * 0.9 GB worker: two 4k variants peaked at 3.2 GB (for 1.08× the time of one), over the
 * 2.5 GB that 4k and pro renders must stay within, so those tiers render one background
 * per pass. A pass with more variants leaves the rest pending for the next pass.
 */
export const MAX_VARIANTS_PER_PASS: Record<Quality, number> = { share: 6, standard: 3, '4k': 1, pro: 1 };

/**
 * Groups `first` (the oldest pending render) with the pending renders of the same model in
 * `candidates` (oldest first, `first` included or not) that can share its pass.
 */
export function groupPass(first: PendingRender, candidates: PendingRender[]): PassVariant[] {
  const firstSettings = JSON.parse(first.settings) as RenderSettings;
  const key = passKey(firstSettings);
  const limit = firstSettings.output === 'dataset' ? 1 : MAX_VARIANTS_PER_PASS[firstSettings.quality];
  const variants = new Map<string, PassVariant>([[first.settings, { settings: firstSettings, renderIds: [first.id] }]]);
  for (const candidate of candidates) {
    if (candidate.id === first.id) continue;
    const existing = variants.get(candidate.settings);
    if (existing) {
      existing.renderIds.push(candidate.id);
      continue;
    }
    if (variants.size >= limit) continue;
    const settings = JSON.parse(candidate.settings) as RenderSettings;
    if (settings.output !== 'video' || passKey(settings) !== key) continue;
    variants.set(candidate.settings, { settings, renderIds: [candidate.id] });
  }
  return [...variants.values()];
}

