/** /v1/account, /v1/quote and /v1/health. */
import { getAccount } from '../../accounts/accounts.js';
import { quote } from '../../credits/quote.js';
import type { Route } from '../http-app.js';

export const accountRoutes: Route[] = [
  {
    method: 'GET',
    path: '/account',
    scope: 'read',
    handle: ({ caller, context }) => {
      const account = getAccount(context.db, caller.account.id);
      return { data: { id: account.id, email: account.email, credits: account.credits } };
    },
  },
  { method: 'POST', path: '/quote', scope: 'read', handle: async ({ json, caller, context }) => ({ data: await quote(context, caller.account.id, await json()) }) },
  {
    method: 'GET',
    path: '/health',
    scope: null,
    handle: ({ context }) => {
      let database = 'ok';
      try {
        context.db.prepare('SELECT 1').get();
      } catch {
        database = 'unavailable';
      }
      const queued = (context.db.prepare("SELECT COUNT(*) AS count FROM renders WHERE status = 'pending'").get() as { count: number }).count;
      return { status: database === 'ok' ? 200 : 503, data: { status: database === 'ok' ? 'ok' : 'degraded', database, queued } };
    },
  },
];
