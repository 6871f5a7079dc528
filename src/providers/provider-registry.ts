/**
 * Which hosted service does each capability: the operator names an adapter per capability
 * (RENDERBAY_PROVIDER_TEXT_TO_IMAGE=openai, …) and sets that adapter's documented key
 * variable (OPENAI_API_KEY, …); each adapter also reads a base-URL variable (a proxy, a
 * mirror, or a local test server). Nothing is configured by default: a generative call
 * then fails with `provider_not_configured` (503) naming the variable to set, and
 * `GET /v1/providers` shows what is set — never a key's value.
 *
 * ```ts
 * const textToImage = requireProvider('text-to-image', { allowPrivate: false });
 * ```
 */
import { RenderbayError } from '../errors.js';
import { meshyImageToModel } from './adapters/meshy.js';
import { openAiImageToImage, openAiTextToImage, xaiTextToImage } from './adapters/openai-images.js';
import { runwayImageToVideo } from './adapters/runway.js';
import type { ProviderEndpoint } from './provider-http.js';
import { CAPABILITIES, type Capability, type ProvidersByCapability } from './provider-types.js';

/** The variable that picks each capability's adapter. */
export const CAPABILITY_VARIABLES: Readonly<Record<Capability, string>> = {
  'text-to-image': 'RENDERBAY_PROVIDER_TEXT_TO_IMAGE',
  'image-to-3d': 'RENDERBAY_PROVIDER_IMAGE_TO_3D',
  'image-to-image': 'RENDERBAY_PROVIDER_IMAGE_TO_IMAGE',
  'image-to-video': 'RENDERBAY_PROVIDER_IMAGE_TO_VIDEO',
};

interface AdapterSpec<C extends Capability> {
  /** What RENDERBAY_PROVIDER_… is set to. */
  name: string;
  capability: C;
  /** The service and its API documentation. */
  service: string;
  documentation: string;
  /** The service's documented key variable, sent as `Authorization: Bearer`. */
  keyVariable: string;
  baseUrlVariable: string;
  defaultBaseUrl: string;
  create(endpoint: ProviderEndpoint): ProvidersByCapability[C];
}

const spec = <C extends Capability>(adapter: AdapterSpec<C>): AdapterSpec<Capability> => adapter as unknown as AdapterSpec<Capability>;

const OPENAI = { service: 'OpenAI Images API', documentation: 'https://platform.openai.com/docs/api-reference/images', keyVariable: 'OPENAI_API_KEY', baseUrlVariable: 'OPENAI_BASE_URL', defaultBaseUrl: 'https://api.openai.com/v1' };

export const ADAPTERS: readonly AdapterSpec<Capability>[] = [
  spec({ name: 'openai', capability: 'text-to-image', ...OPENAI, create: (endpoint) => openAiTextToImage(endpoint) }),
  spec({
    name: 'xai',
    capability: 'text-to-image',
    service: 'xAI image generation (Grok)',
    documentation: 'https://docs.x.ai/docs/guides/image-generations',
    keyVariable: 'XAI_API_KEY',
    baseUrlVariable: 'XAI_BASE_URL',
    defaultBaseUrl: 'https://api.x.ai/v1',
    create: (endpoint) => xaiTextToImage(endpoint),
  }),
  spec({
    name: 'meshy',
    capability: 'image-to-3d',
    service: 'Meshy Image to 3D',
    documentation: 'https://docs.meshy.ai/api/image-to-3d',
    keyVariable: 'MESHY_API_KEY',
    baseUrlVariable: 'MESHY_BASE_URL',
    defaultBaseUrl: 'https://api.meshy.ai',
    create: (endpoint) => meshyImageToModel(endpoint),
  }),
  spec({ name: 'openai', capability: 'image-to-image', ...OPENAI, create: (endpoint) => openAiImageToImage(endpoint) }),
  spec({
    name: 'runway',
    capability: 'image-to-video',
    service: 'Runway image to video',
    documentation: 'https://docs.dev.runwayml.com/api/',
    keyVariable: 'RUNWAYML_API_SECRET',
    baseUrlVariable: 'RUNWAYML_BASE_URL',
    defaultBaseUrl: 'https://api.dev.runwayml.com',
    create: (endpoint) => runwayImageToVideo(endpoint),
  }),
];

/** One capability as `GET /v1/providers` shows it. */
export interface ProviderStatus {
  capability: Capability;
  /** The variable that picks the adapter. */
  variable: string;
  /** The adapter named there (null: none), whether it exists and has its key. */
  adapter: string | null;
  configured: boolean;
  /** The adapters this capability can use. */
  adapters: { name: string; service: string; documentation: string; keyVariable: string; baseUrlVariable: string }[];
  /** The service's base URL in use (null without an adapter). */
  baseUrl: string | null;
  /** Variables still to set for this capability to work (empty when configured). */
  missing: string[];
  /** What is wrong, in a sentence, or null when configured. */
  problem: string | null;
}

function variable(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

export function providerStatus(env: NodeJS.ProcessEnv = process.env): ProviderStatus[] {
  return CAPABILITIES.map((capability) => capabilityStatus(capability, env).status);
}

function capabilityStatus(capability: Capability, env: NodeJS.ProcessEnv): { status: ProviderStatus; adapter: AdapterSpec<Capability> | null } {
  const choices = ADAPTERS.filter((adapter) => adapter.capability === capability);
  const selector = CAPABILITY_VARIABLES[capability];
  const named = variable(env, selector);
  const adapter = named === null ? null : (choices.find((choice) => choice.name === named.toLowerCase()) ?? null);
  const names = choices.map((choice) => choice.name).join(' or ');
  let problem: string | null = null;
  let missing: string[] = [];
  if (named === null) {
    problem = `set ${selector} to ${names} (and its key: ${choices.map((choice) => choice.keyVariable).join(' / ')})`;
    missing = [selector];
  } else if (adapter === null) {
    problem = `set ${selector} to ${names} (it is "${named}", which is not an adapter for ${capability})`;
    missing = [selector];
  } else if (variable(env, adapter.keyVariable) === null) {
    problem = `set ${adapter.keyVariable} (the key of the ${adapter.name} adapter that ${selector} chooses)`;
    missing = [adapter.keyVariable];
  }
  return {
    adapter: problem === null ? adapter : null,
    status: {
      capability,
      variable: selector,
      adapter: adapter?.name ?? (named === null ? null : named),
      configured: problem === null,
      adapters: choices.map(({ name, service, documentation, keyVariable, baseUrlVariable }) => ({ name, service, documentation, keyVariable, baseUrlVariable })),
      baseUrl: adapter ? baseUrlOf(adapter, env) : null,
      missing,
      problem,
    },
  };
}

function baseUrlOf(adapter: AdapterSpec<Capability>, env: NodeJS.ProcessEnv): string {
  return (variable(env, adapter.baseUrlVariable) ?? adapter.defaultBaseUrl).replace(/\/+$/, '');
}

export function isProviderConfigured(capability: Capability, env: NodeJS.ProcessEnv = process.env): boolean {
  return capabilityStatus(capability, env).status.configured;
}

/** The message of `provider_not_configured` (the Grok surface prefixes it with the code). */
export function assertProviderConfigured(capability: Capability, env: NodeJS.ProcessEnv = process.env): void {
  const { status } = capabilityStatus(capability, env);
  if (!status.configured) throw new RenderbayError('provider_not_configured', `${status.problem} to use ${capability} generation`, 503);
}

/** The configured adapter of a capability, ready to call; `provider_not_configured` (503) otherwise. */
export function requireProvider<C extends Capability>(capability: C, options: { allowPrivate: boolean }, env: NodeJS.ProcessEnv = process.env): ProvidersByCapability[C] {
  assertProviderConfigured(capability, env);
  const adapter = capabilityStatus(capability, env).adapter!;
  const baseUrl = baseUrlOf(adapter, env);
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new RenderbayError('provider_not_configured', `${adapter.baseUrlVariable} must be an http(s) URL (it is "${baseUrl}")`, 503);
  }
  return adapter.create({
    name: adapter.name,
    baseUrl,
    headers: { authorization: `Bearer ${variable(env, adapter.keyVariable)}` },
    allowPrivate: options.allowPrivate,
  }) as ProvidersByCapability[C];
}
