/**
 * The spending safeguard of `renderbay mcp` (stdio): before renders (or generations and
 * restyles) are created that cost
 * more than `--confirm-above N` credits (RENDERBAY_CONFIRM_ABOVE, default 50), the user is
 * asked to confirm through MCP elicitation, with the quote in the question. Declined or
 * cancelled: nothing is created (`not_confirmed`). A client without elicitation, and the
 * HTTP endpoint (stateless: it cannot ask back), behave as before.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../accounts/api-keys.js';
import { quote } from '../credits/quote.js';
import { RenderbayError } from '../errors.js';
import type { ToolExtra } from './define-tool.js';
import type { McpSession } from './session.js';

export const DEFAULT_CONFIRM_ABOVE = 50;

/** `--confirm-above` / RENDERBAY_CONFIRM_ABOVE, checked once at start-up. */
export function confirmAboveSetting(option: string | undefined, environment = process.env.RENDERBAY_CONFIRM_ABOVE): number {
  const given = option ?? environment;
  if (given === undefined || given === '') return DEFAULT_CONFIRM_ABOVE;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 0) throw new RenderbayError('invalid_request', `--confirm-above / RENDERBAY_CONFIRM_ABOVE must be a whole number ≥ 0 (got "${given}")`);
  return value;
}

export async function confirmSpending(
  server: McpServer,
  session: McpSession,
  extra: ToolExtra,
  caller: Caller,
  renders: { renderSettings?: unknown; label: string; modelId?: string }[],
): Promise<void> {
  if (session.confirmAbove === undefined || !server.server.getClientCapabilities()?.elicitation) return;
  // Items with their model, where known: a batch item's materialVariant "*" is priced per variant of it.
  const items = renders.map((render) => (render.modelId === undefined ? (render.renderSettings ?? {}) : { modelId: render.modelId, renderSettings: render.renderSettings ?? {} }));
  const priced = await quote(session.context, caller.account.id, { renders: items }).catch((error: unknown) => {
    if (error instanceof RenderbayError) return null; // invalid: creation refuses it with every failing item named, creating nothing
    throw error;
  });
  if (!priced || priced.creditsRequired <= session.confirmAbove) return;
  const tiers = new Map<string, number>();
  let count = 0;
  for (const line of priced.breakdown) {
    const tier =
      'quality' in line ? line.quality : 'datasetQuality' in line ? line.datasetQuality : 'images' in line ? `${line.images} stills ${line.imageSize}` : 'generation' in line ? 'generation' : `${line.restyle} restyle`;
    const renderCount = line.materialVariants?.length ?? 1;
    tiers.set(tier, (tiers.get(tier) ?? 0) + renderCount);
    count += renderCount;
  }
  const message =
    `Create ${count} ${count === 1 ? 'item' : 'items'} for ${priced.creditsRequired} credits? ` +
    `(${[...tiers].map(([tier, count]) => `${count} × ${tier}`).join(', ')}; balance ${priced.creditsAvailable}; this asks above ${session.confirmAbove} credits)`;
  const answer = await server.server.elicitInput(
    {
      message,
      requestedSchema: {
        type: 'object',
        properties: { confirm: { type: 'boolean', title: 'Go ahead', description: `Spend ${priced.creditsRequired} credits` } },
        required: ['confirm'],
      },
    },
    { signal: extra.signal, relatedRequestId: extra.requestId },
  );
  if (answer.action !== 'accept' || answer.content?.confirm !== true) {
    throw new RenderbayError('not_confirmed', `The user did not confirm spending ${priced.creditsRequired} credits (${answer.action}): nothing was created`, 409);
  }
}
