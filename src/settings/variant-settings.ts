/**
 * The material-variant group of the settings schema: which KHR_materials_variants variant
 * of the model to render. Spread into `renderSettingsFields` (render-settings.ts).
 *
 * The schema checks the value's shape only; whether the model has that variant is checked
 * against the model when a render is created (src/models/model-variants.ts), and "*"
 * (every variant) is expanded there, in batches only, into one render per variant. A
 * stored render always names one variant, so renders that differ only in variant never
 * share a rendering pass (their `passKey`s differ).
 */
import { z } from 'zod';
import { ALL_VARIANTS } from '../gltf/material-variants.js';

const message = `materialVariant must be a material variant name of the model, or "${ALL_VARIANTS}" in a batch item`;

export const variantSettingsFields = {
  materialVariant: z
    .string({ error: message })
    .min(1, { error: message })
    .max(200, { error: message })
    .optional()
    .describe(`A material variant of the model (get_model: variants). "${ALL_VARIANTS}" in a batch: one render per variant.`),
};
