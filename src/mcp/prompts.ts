/**
 * MCP prompts for the hosted guide's four example tasks, each a short plan in tool calls
 * that keeps the conversation small: catalog_onboarding, variant_expansion,
 * dataset_generation, status_check. Prompt arguments are strings (MCP), lists comma- or
 * space-separated.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DATASET_QUALITIES } from '../settings/render-settings.js';
import { SETTINGS_DOCS_URI } from './schemas.js';

const list = (value: string | undefined) => (value ?? '').split(/[\s,]+/).filter(Boolean);
const quoted = (values: string[]) => JSON.stringify(values);

function userText(description: string, text: string): GetPromptResult {
  return { description, messages: [{ role: 'user', content: { type: 'text', text } }] };
}

export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'catalog_onboarding',
    {
      title: 'Catalog onboarding',
      description: 'Import models from URLs with a tag, quote and render each in several variants, wait, and collect the files.',
      argsSchema: {
        urls: z.string().describe('Model URLs, comma- or space-separated'),
        tags: z.string().describe('Tags to add, e.g. client-acme').optional(),
        variants: z.string().describe('Variants as JSON render settings, default 16:9 white and 1:1 black with shadows').optional(),
      },
    },
    ({ urls, tags, variants }) => {
      const settings = variants ?? '[{"aspect":"16:9","bgColor":"#ffffff","shadows":true},{"aspect":"1:1","bgColor":"#000000","shadows":true}]';
      return userText(
        'Catalog onboarding in five calls',
        [
          `Import these models and render each in every variant of ${settings}. Quote the total first.`,
          `1. ingest_model with urls ${quoted(list(urls))}${tags ? ` and tags ${quoted(list(tags))}` : ''} (one call for all).`,
          '2. quote with the planned items { modelId, renderSettings } (every model × every variant); stop and report if problems or not sufficient.',
          '3. create_batch_renders with the same items (≤ 100 per call).',
          '4. wait_for_renders with all render ids (repeat with the unfinished ones if it returns early).',
          '5. download_render for the renders the user wants, or report the ids.',
        ].join('\n'),
      );
    },
  );
  server.registerPrompt(
    'variant_expansion',
    {
      title: 'Variant expansion',
      description: 'Add a variant (aspect, background overlay) to every model with a tag, skipping models that already have it.',
      argsSchema: {
        tag: z.string().describe('Model tag, e.g. client-acme'),
        aspect: z.string().describe('16:9, 1:1 or 9:16 (default 9:16)').optional(),
        overlayId: z.string().describe('Background overlay id (bgImageId)').optional(),
      },
    },
    ({ tag, aspect = '9:16', overlayId }) =>
      userText(
        'Variant expansion in three calls',
        [
          `For all models tagged "${tag}", create ${aspect} renders${overlayId ? ` with background overlay ${overlayId}` : ''}. Skip any model that already has a ${aspect} render.`,
          `1. list_models with tags ["${tag}"] (limit 100).`,
          `2. list_renders with tags ["${tag}"] and aspect "${aspect}" (status done and active) — the models that already have one.`,
          `3. create_batch_renders for the other models with renderSettings { "aspect": "${aspect}"${overlayId ? `, "bgImageId": "${overlayId}"` : ''} }.`,
        ].join('\n'),
      ),
  );
  server.registerPrompt(
    'dataset_generation',
    {
      title: 'Dataset generation',
      description: 'Quote and generate training datasets for every model with a tag.',
      argsSchema: {
        tag: z.string().describe('Model tag, e.g. training-batch-7'),
        datasetQuality: z.string().describe(`${DATASET_QUALITIES.join(', ')} (default 196x1024)`).optional(),
        coverage: z.string().describe('hemisphere (default) or sphere').optional(),
      },
    },
    ({ tag, datasetQuality = '196x1024', coverage = 'hemisphere' }) => {
      const settings = `{ "output": "dataset", "datasetQuality": "${datasetQuality}", "coverage": "${coverage}" }`;
      return userText(
        'Dataset generation in four calls',
        [
          `Generate ${datasetQuality} ${coverage} datasets for all models tagged "${tag}". Quote first, then proceed.`,
          `1. list_models with tags ["${tag}"] (limit 100).`,
          `2. quote with one item { modelId, renderSettings: ${settings} } per model; stop if problems or not sufficient.`,
          '3. create_batch_renders with the same items.',
          '4. wait_for_renders with the ids (datasets take minutes: report progress, and download_render lists the ZIP once done).',
          `Field reference: ${SETTINGS_DOCS_URI}.`,
        ].join('\n'),
      );
    },
  );
  server.registerPrompt(
    'status_check',
    { title: 'Status check', description: 'Credits left and every render not finished yet, in two calls.' },
    () =>
      userText(
        'Status check in two calls',
        ['How many credits do I have left? List all pending renders and their status.', '1. get_account.', '2. list_renders with status ["active"] (and ["error"] for failures not yet dismissed).'].join('\n'),
      ),
  );
}
