/**
 * One small interface per generative capability. Renderbay cannot run these models on its
 * own machines, so each is a hosted service behind an adapter (src/providers/adapters/),
 * chosen by the operator (provider-registry.ts). An adapter speaks its service's documented
 * API and nothing else: it hands back bytes or a file, and the generation service validates
 * them like any upload (an image through sharp, a GLB through model ingest).
 */

/** The four things a provider can do; each is chosen by its own RENDERBAY_PROVIDER_… variable. */
export const CAPABILITIES = ['text-to-image', 'image-to-3d', 'image-to-image', 'image-to-video'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** An image handed to a provider. */
export interface SourceImage {
  bytes: Buffer;
  /** image/jpeg or image/png (what the services accept everywhere). */
  contentType: 'image/jpeg' | 'image/png';
}

/** What every provider call gets: a deadline, a place for downloads, and where progress goes. */
export interface ProviderCall {
  /** Aborted at the task's deadline (LIMITS.providerTaskTimeoutMs) or when the job is given up. */
  signal: AbortSignal;
  /** A scratch folder inside the store's temp directory, removed by the caller afterwards. */
  workDirectory: string;
  /** The provider's own progress, 0–1, when its API reports one. */
  onProgress?(fraction: number): void;
}

export interface TextToImageProvider {
  readonly name: string;
  /** The image's bytes as the service returned them (PNG, JPEG or WebP; checked by the caller). */
  generateImage(prompt: string, call: ProviderCall): Promise<Buffer>;
}

export interface ImageToModelProvider {
  readonly name: string;
  /** Path of the downloaded GLB inside `call.workDirectory` (not yet validated). */
  generateModel(image: SourceImage, call: ProviderCall): Promise<string>;
}

/** What an image-to-image restyle asks for (3Dimensions' refine / enhance / staging). */
export interface RestyleInstruction {
  kind: 'refine' | 'enhance' | 'staging';
  prompt: string | null;
  architecturalStyle: string | null;
}

export interface ImageToImageProvider {
  readonly name: string;
  /** The restyled image's bytes (checked by the caller). */
  restyleImage(image: SourceImage, instruction: RestyleInstruction, call: ProviderCall): Promise<Buffer>;
}

export interface ImageToVideoProvider {
  readonly name: string;
  /** Path of the downloaded video inside `call.workDirectory` (checked by the caller). */
  animateImage(image: SourceImage, prompt: string | null, call: ProviderCall): Promise<string>;
}

export interface ProvidersByCapability {
  'text-to-image': TextToImageProvider;
  'image-to-3d': ImageToModelProvider;
  'image-to-image': ImageToImageProvider;
  'image-to-video': ImageToVideoProvider;
}
