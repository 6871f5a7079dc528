/**
 * The resource `renderbay://docs/render-settings`: the full reference of render settings
 * (every field's meaning, type, range and default, generated from the one settings
 * schema), prices and render statuses. Tool descriptions stay short and point here.
 */
import { z } from 'zod';
import { PRICES } from '../credits/prices.js';
import { DEFAULT_FILL } from '../settings/camera-settings.js';
import { DATASET_QUALITIES, frameSize, QUALITIES, renderSettingsFields } from '../settings/render-settings.js';

let text: string | null = null;

export function renderSettingsDocs(): string {
  text ??= build();
  return text;
}

function build(): string {
  const schema = z.toJSONSchema(renderSettingsFields, { io: 'input', target: 'draft-7' }) as { properties: Record<string, Record<string, unknown>> };
  const rows = Object.entries(schema.properties).map(([field, property]) => {
    const allowed = property.enum
      ? (property.enum as string[]).join(' \\| ')
      : property.minimum !== undefined
        ? `${property.type} ${property.minimum}–${property.maximum}`
        : String(property.type ?? '');
    const fallback = property.default === undefined ? '—' : JSON.stringify(property.default);
    return `| \`${field}\` | ${allowed} | ${fallback} | ${String(property.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  const tiers = QUALITIES.map((quality) => {
    const { width, height } = frameSize(quality, '16:9');
    return `- \`${quality}\`: ${width}×${height}, ${PRICES[quality]} credit(s)`;
  });
  const datasets = DATASET_QUALITIES.map((tier) => `- dataset \`${tier}\`: ${PRICES[tier]} credit(s)`);
  return [
    '# Render settings',
    '',
    'Every field is optional; unknown fields are refused (`invalid_settings` names the field and what it allows).',
    'The same object is `renderSettings` of create_render, create_batch_renders and ingest_model, and an item of quote.',
    '',
    '| field | allowed | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Prices (credits per render, debited at creation, refunded if the render fails or is deleted before it finishes)',
    ...tiers,
    ...datasets,
    '',
    '## Notes',
    '- Overlays: `bgImageId` and `foregroundIds` take ids from upload_overlay or list_overlays (layer background or foreground).',
    '- Renders of one model that differ only in background (bgColor, bgImageId, bgAlign, vignette, foregroundIds) are rendered once and composited per background: batch them.',
    '- `output: "dataset"` renders multi-view training data (images, masks, depth, camera poses) in a zip instead of a video; it uses none of the video fields.',
    `- Camera: \`fill\` sizes auto framing (the share of the frame the silhouette spans at its widest over the move, default ${DEFAULT_FILL}; \`zoom\` multiplies the distance after it). An explicit camera follows model-viewer, in the model's own coordinates: \`cameraOrbit\` "θdeg φdeg rm" (azimuth about +Y from +Z, polar angle from +Y, distance in metres), \`cameraTarget\` "xm ym zm" (default: the centre of the model's bounds), \`fieldOfView\` "45deg" (vertical, 10–90°). The model then stays where it is, so rotateY, zoom, fill, tiltX, panX and rollZ are refused with it; a stills job with cameraOrbit and no stills list renders one still named "camera".`,
    '',
    '## Render statuses',
    'pending → poster-processing → poster-done (poster ready) → video-processing → done.',
    '`error`: the render failed (errorCode, errorMessage) and its credits were refunded; it stays `error` until acknowledged with dismiss_render, which makes it `failed`.',
    'list_renders with status "active" lists everything not finished.',
  ].join('\n');
}
