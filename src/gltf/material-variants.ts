/**
 * glTF material variants (KHR_materials_variants), the one reading of them that the
 * service (validating `materialVariant` against a model's variants) and the renderer
 * (swapping the primitives' materials before the scene is built) share, so both agree on
 * what a name means and give the same errors.
 *
 * A variant is a name at the glTF root; each mesh primitive may map variants to another
 * material (`mappings[{ material, variants: [index] }]`). A primitive without a mapping
 * for the chosen variant keeps its default material, as the extension specifies.
 *
 * ```ts
 * applyMaterialVariant(document, 'Blue'); // then write and load the document as usual
 * ```
 */
import type { Document } from '@gltf-transform/core';
import { KHRMaterialsVariants, type MappingList } from '@gltf-transform/extensions';
import { RenderbayError } from '../errors.js';

export const MATERIAL_VARIANTS_EXTENSION = KHRMaterialsVariants.EXTENSION_NAME;

/** The `materialVariant` value that asks a batch for one render per variant of the model. */
export const ALL_VARIANTS = '*';

/** The variant names in a glTF's JSON, in file order (what glTF-Transform reads as their names). */
export function variantNamesInJson(json: unknown): string[] {
  const variants = (json as { extensions?: Record<string, { variants?: unknown }> } | null)?.extensions?.[MATERIAL_VARIANTS_EXTENSION]?.variants;
  if (!Array.isArray(variants)) return [];
  return variants.map((variant) => {
    const name = (variant as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : '';
  });
}

/**
 * The variants a requested `materialVariant` stands for: the one named, or (in a batch
 * only) every variant of the model for "*". Anything else is `invalid_settings` saying
 * what the model offers.
 */
export function resolveMaterialVariants(names: readonly string[], requested: string, options: { batch: boolean }): string[] {
  if (requested === ALL_VARIANTS && !options.batch) {
    throw new RenderbayError(
      'invalid_settings',
      'materialVariant "*" (one render per variant) works in batch items only (POST /v1/renders/batch, MCP create_batch_renders); name one variant for a single render',
      400,
    );
  }
  if (names.length === 0) {
    throw new RenderbayError('invalid_settings', `Cannot render materialVariant "${requested}": the model has no material variants (${MATERIAL_VARIANTS_EXTENSION})`, 400);
  }
  if (requested === ALL_VARIANTS) return [...new Set(names)];
  if (names.includes(requested)) return [requested];
  throw new RenderbayError('invalid_settings', `Unknown materialVariant "${requested}": the model's variants are: ${names.join(', ')}`, 400);
}

/** Gives every primitive the material that `name` maps it to (others keep their default). */
export function applyMaterialVariant(document: Document, name: string): void {
  const extension = document
    .getRoot()
    .listExtensionsUsed()
    .find((used): used is KHRMaterialsVariants => used.extensionName === MATERIAL_VARIANTS_EXTENSION);
  const variants = extension?.listVariants() ?? [];
  resolveMaterialVariants(
    variants.map((variant) => variant.getName()),
    name,
    { batch: false },
  );
  const variant = variants.find((candidate) => candidate.getName() === name)!;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const mappings = primitive.getExtension<MappingList>(MATERIAL_VARIANTS_EXTENSION);
      const material = mappings
        ?.listMappings()
        .find((mapping) => mapping.listVariants().includes(variant))
        ?.getMaterial();
      if (material) primitive.setMaterial(material);
    }
  }
}
