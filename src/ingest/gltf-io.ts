/**
 * The one place a glTF-Transform `NodeIO` is made: every extension glTF-Transform knows,
 * plus the Draco and meshopt decoders when a model needs them. The renderer's loader and
 * the ingest pipeline both read models through this, so they decode the same way.
 *
 * ```ts
 * const io = await createGltfIO(json.extensionsUsed ?? []);
 * const document = await io.readBinary(glbBytes);
 * ```
 */
import { NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS, EXTMeshoptCompression, KHRDracoMeshCompression } from '@gltf-transform/extensions';

/** Extensions that are decoded on read; the decoded document no longer needs them. */
export const GEOMETRY_COMPRESSION_EXTENSIONS: readonly string[] = [KHRDracoMeshCompression.EXTENSION_NAME, EXTMeshoptCompression.EXTENSION_NAME];

/** A NodeIO for a model using `extensionsUsed`; decoders are WebAssembly, so only the needed ones are instantiated. */
export async function createGltfIO(extensionsUsed: readonly string[]): Promise<NodeIO> {
  const io = new NodeIO().registerExtensions(ALL_EXTENSIONS);
  if (extensionsUsed.includes(KHRDracoMeshCompression.EXTENSION_NAME)) {
    const draco3d = (await import('draco3dgltf')).default as { createDecoderModule(): Promise<unknown> };
    io.registerDependencies({ 'draco3d.decoder': await draco3d.createDecoderModule() });
  }
  if (extensionsUsed.includes(EXTMeshoptCompression.EXTENSION_NAME)) {
    const { MeshoptDecoder } = await import('meshoptimizer');
    await MeshoptDecoder.ready;
    io.registerDependencies({ 'meshopt.decoder': MeshoptDecoder });
  }
  return io;
}
