/**
 * A model's material variants (KHR_materials_variants) on the service side: their names
 * (a model fact recorded at ingest; read from the stored GLB for a model stored before
 * facts were) and what a requested `materialVariant` becomes — the render itself, or in a
 * batch, for "*", one render per variant. The names' meaning and the errors come from
 * src/gltf/material-variants.ts, which the renderer uses too.
 */
import type { AppContext } from '../context.js';
import { resolveMaterialVariants, variantNamesInJson } from '../gltf/material-variants.js';
import type { ModelFacts } from '../ingest/model-facts.js';
import type { RenderSettings } from '../settings/render-settings.js';
import { readGltfJson } from './model-animations.js';
import type { ModelRow } from './model-service.js';

export type VariantNameReader = (model: Pick<ModelRow, 'id' | 'facts' | 'file_key'>) => Promise<string[]>;

/** The model's variant names, in file order (empty when it has none). */
export async function modelVariantNames(context: Pick<AppContext, 'store'>, model: Pick<ModelRow, 'facts' | 'file_key'>): Promise<string[]> {
  const facts = model.facts ? (JSON.parse(model.facts) as Partial<ModelFacts>) : null;
  if (Array.isArray(facts?.variants)) return facts.variants;
  return variantNamesInJson(await readGltfJson(context.store.pathOf(model.file_key)));
}

/** A modelVariantNames that answers each model once: a batch of many renders of one model reads its facts (or file) once. */
export function variantNamesReadOnce(context: Pick<AppContext, 'store'>): VariantNameReader {
  const read = new Map<string, Promise<string[]>>();
  return (model) => {
    if (!read.has(model.id)) read.set(model.id, modelVariantNames(context, model));
    return read.get(model.id)!;
  };
}

/**
 * The renders one requested render becomes: itself (its variant checked against the
 * model's), or in a batch, for `materialVariant: "*"`, one per variant of the model, each
 * naming its variant. `invalid_settings` lists the model's variants when the name is unknown.
 */
export function expandMaterialVariant(settings: RenderSettings, names: readonly string[], options: { batch: boolean }): RenderSettings[] {
  if (settings.materialVariant === undefined) return [settings];
  return resolveMaterialVariants(names, settings.materialVariant, options).map((materialVariant) => ({ ...settings, materialVariant }));
}
