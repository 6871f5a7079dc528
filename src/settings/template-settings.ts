/**
 * The template group of the RenderSettings schema: `templateId`, spread into
 * `renderSettingsFields` (render-settings.ts). The schema only checks its shape; the
 * service layer (src/templates/template-service.ts) looks the template up and merges its
 * look into the request before the settings are parsed, so the renderer never sees it.
 *
 * Which settings a template may carry, and how they merge, is decided in
 * src/templates/template-parts.ts; the lists here are the schema-side facts it needs.
 */
import { z } from 'zod';

const templateIdMessage = 'templateId must be a template id (GET /v1/templates or list_templates)';

/** The template fields, spread into renderSettingsFields. */
export const templateSettingsFields = {
  templateId: z
    .string({ error: templateIdMessage })
    .min(1, { error: templateIdMessage })
    .max(100, { error: templateIdMessage })
    .optional()
    .describe('A template (list_templates): its look, bookmarks (stills) or first shot (video) apply; explicit fields win.'),
};

/**
 * Fields a template's `settings` may not carry, with why. Output choices (what and how
 * large to render, and so what it costs) belong to each request; fields that only make
 * sense for one model (a clip name, a material variant, a camera in one model's own
 * coordinates) cannot be shared across products; the camera move lives in `shots` and the
 * stills angles in `bookmarks`.
 */
export const TEMPLATE_EXCLUDED_FIELDS: Readonly<Record<string, string>> = {
  templateId: 'a template cannot name another template',
  output: 'the output is chosen per render',
  quality: 'the output tier (and so the price) is chosen per render',
  datasetQuality: 'the output is chosen per render',
  coverage: 'datasets are chosen per render',
  stills: 'stills angles are the template\'s bookmarks',
  imageSize: 'the image size (and so the price) is chosen per render',
  imageFormat: 'the image format is chosen per render',
  transparent: 'a transparent background is chosen per render',
  animation: 'animation clips belong to one model',
  animationSpeed: 'animation clips belong to one model',
  materialVariant: 'material variants belong to one model',
  cameraOrbit: 'an explicit camera is in one model\'s own coordinates',
  cameraTarget: 'an explicit camera is in one model\'s own coordinates',
  fieldOfView: 'an explicit camera is in one model\'s own coordinates',
};

/** The fields of a shot (a video camera move): the effect, its parameters and the length. */
export const SHOT_FIELDS = ['effect', 'sweepAngle', 'easeOutRatio', 'amplitude', 'zoomStart', 'zoomEnd', 'scaleFrom', 'easing', 'length'] as const;

/** Most bookmarks and shots one template keeps (bookmarks become a stills list, so MAX_STILLS applies to them). */
export const MAX_TEMPLATE_SHOTS = 16;
