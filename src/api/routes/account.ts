/** /v1/account, /v1/quote and /v1/health. */
import { getAccount } from '../../accounts/accounts.js';
import { quote } from '../../credits/quote.js';
import { accountSharing, updateAccountSharing } from '../../sharing/sharing.js';
import type { AppContext } from '../../context.js';
import type { Route } from '../http-app.js';

function accountView(context: AppContext, accountId: string) {
  const account = getAccount(context.db, accountId);
  return { id: account.id, email: account.email, credits: account.credits, sharing: accountSharing(context, account.id) };
}

export const accountRoutes: Route[] = [
  {
    method: 'GET',
    path: '/account',
    scope: 'read',
    handle: ({ caller, context }) => ({ data: accountView(context, caller.account.id) }),
  },
  /** Renderbay addition: `{ "sharing": false }` takes every share page of the account offline (404). */
  {
    method: 'PATCH',
    path: '/account',
    scope: 'write',
    handle: async ({ json, caller, context }) => {
      updateAccountSharing(context, caller.account.id, await json());
      return { data: accountView(context, caller.account.id) };
    },
  },
  { method: 'POST', path: '/quote', scope: 'read', handle: async ({ json, caller, context }) => ({ data: await quote(context, caller.account.id, await json()) }) },
  {
    method: 'GET',
    path: '/health',
    scope: null,
    handle: async ({ context }) => {
      let database = 'ok';
      try {
        context.db.prepare('SELECT 1').get();
      } catch {
        database = 'unavailable';
      }
      const queued = (context.db.prepare("SELECT COUNT(*) AS count FROM renders WHERE status = 'pending'").get() as { count: number }).count;
      // A render farm's counts (workers alive, passes waiting and running); never which or whose.
      const farm = context.farm ? await context.farm.counts().catch(() => null) : undefined;
      const healthy = database === 'ok' && farm !== null;
      return {
        status: healthy ? 200 : 503,
        data: { status: healthy ? 'ok' : 'degraded', database, queued, ...(farm === undefined ? {} : { farm: farm ?? 'unavailable' }) },
      };
    },
  },
];
