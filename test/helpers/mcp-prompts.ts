/**
 * The hosted guide's four example prompts as scripted agents: the calls an agent makes
 * with Renderbay's tools, counted, with the bytes of every result (what enters the
 * agent's context). Shared by test/mcp-prompts.test.ts and bench/mcp-bench.ts.
 */
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';

/** A client that counts its tool calls and the bytes of their results. */
export class CountingAgent {
  calls = 0;
  bytes = 0;
  readonly log: string[] = [];
  /** Bytes of each result, in call order. */
  readonly sizes: number[] = [];

  constructor(readonly client: Client) {}

  async call<T = any>(name: string, args: Record<string, unknown>, onprogress?: (progress: Progress) => void): Promise<T> {
    const result = (await this.client.callTool({ name, arguments: args }, undefined, { onprogress, timeout: 60_000, resetTimeoutOnProgress: true })) as CallToolResult;
    this.calls++;
    const bytes = Buffer.byteLength(JSON.stringify(result));
    this.bytes += bytes;
    this.sizes.push(bytes);
    this.log.push(name);
    assert.ok(!result.isError, `${name} failed: ${JSON.stringify(result.content).slice(0, 500)}`);
    return result.structuredContent as T;
  }

  /** Calls and bytes since `mark()`. */
  mark(): () => { calls: number; bytes: number; tools: string[]; sizes: number[] } {
    const [calls, bytes, index] = [this.calls, this.bytes, this.log.length];
    return () => ({ calls: this.calls - calls, bytes: this.bytes - bytes, tools: this.log.slice(index), sizes: this.sizes.slice(index) });
  }
}

export interface PromptResult {
  calls: number;
  bytes: number;
  tools: string[];
}

/** Waits for renders with wait_for_renders, as many calls as it takes; returns the rows and each call's progress notifications. */
export async function waitAll(agent: CountingAgent, renderIds: string[], timeoutMs = 480_000): Promise<{ renders: any[]; progress: Progress[][] }> {
  const deadline = Date.now() + timeoutMs;
  const progress: Progress[][] = [];
  let ids = renderIds;
  const finished = new Map<string, any>();
  for (;;) {
    const ofThisCall: Progress[] = [];
    progress.push(ofThisCall);
    const result = await agent.call('wait_for_renders', { renderIds: ids, waitSeconds: 50 }, (update) => ofThisCall.push(update));
    for (const render of result.renders) if (['done', 'error', 'failed'].includes(render.status)) finished.set(render.id, render);
    ids = ids.filter((id) => !finished.has(id));
    if (ids.length === 0) return { renders: renderIds.map((id) => finished.get(id)), progress };
    if (Date.now() > deadline) throw new Error(`renders still unfinished: ${ids.join(', ')}`);
  }
}

/**
 * "Import all GLB files from these URLs, tag them "client-acme", then render each in 16:9
 * white and 1:1 black with shadows. Quote the total first."  — and wait, and get the files.
 */
export async function catalogOnboarding(agent: CountingAgent, urls: string[], variants: Record<string, unknown>[]) {
  const done = agent.mark();
  const ingested = await agent.call('ingest_model', { urls, tags: ['client-acme'] });
  assert.equal(ingested.failed.length, 0, JSON.stringify(ingested.failed));
  const items = ingested.imported.flatMap((model: any) => variants.map((renderSettings) => ({ modelId: model.modelId, renderSettings: { ...renderSettings, shadows: true } })));
  const quote = await agent.call('quote', { renders: items });
  assert.ok(quote.sufficient && !quote.problems, JSON.stringify(quote));
  const batch = await agent.call('create_batch_renders', { renders: items });
  const renderIds = batch.renders.map((render: any) => render.id);
  const waited = await waitAll(agent, renderIds);
  const files = await agent.call('download_render', { renderIds });
  return { ...done(), modelIds: ingested.imported.map((model: any) => model.modelId) as string[], renderIds: renderIds as string[], quote, waited, files };
}

/**
 * "For all models tagged "client-acme", create 9:16 renders with the branded gradient
 * background (overlay ID …). Skip any that already have a 9:16 render."
 */
export async function variantExpansion(agent: CountingAgent, overlayId: string) {
  const done = agent.mark();
  const models = await agent.call('list_models', { tags: ['client-acme'], limit: 100 });
  const existing = await agent.call('list_renders', { tags: ['client-acme'], aspect: '9:16', status: ['done', 'active'], limit: 100 });
  const covered = new Set(existing.renders.map((render: any) => render.modelId));
  const missing = models.models.filter((model: any) => !covered.has(model.id));
  const created = missing.length
    ? await agent.call('create_batch_renders', { renders: missing.map((model: any) => ({ modelId: model.id, renderSettings: { aspect: '9:16', bgImageId: overlayId, length: 3 } })) })
    : { renders: [] };
  return { ...done(), skipped: [...covered] as string[], renderIds: created.renders.map((render: any) => render.id) as string[] };
}

/** "Generate 196×1024 hemisphere datasets for all models tagged "training-batch-7". Quote first, then proceed." */
export async function datasetGeneration(agent: CountingAgent, waitSeconds = 1) {
  const done = agent.mark();
  const models = await agent.call('list_models', { tags: ['training-batch-7'], limit: 100 });
  const items = models.models.map((model: any) => ({ modelId: model.id, renderSettings: { output: 'dataset', datasetQuality: '196x1024', coverage: 'hemisphere' } }));
  const quote = await agent.call('quote', { renders: items });
  assert.ok(quote.sufficient && !quote.problems, JSON.stringify(quote));
  const batch = await agent.call('create_batch_renders', { renders: items });
  const renderIds = batch.renders.map((render: any) => render.id) as string[];
  // Datasets take minutes: one wait call to report progress, then the agent tells the user.
  const progress = await agent.call('wait_for_renders', { renderIds, waitSeconds });
  return { ...done(), quote, renderIds, progress };
}

/** "How many credits do I have left? List all pending renders and their status." */
export async function statusCheck(agent: CountingAgent) {
  const done = agent.mark();
  const account = await agent.call('get_account', {});
  const pending = await agent.call('list_renders', { status: ['active'], limit: 100 });
  return { ...done(), credits: account.credits as number, pending: pending.renders as any[] };
}
