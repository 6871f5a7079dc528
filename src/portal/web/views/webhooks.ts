/** Webhooks (register, enable/disable, ping, delete) and one webhook's delivery log with redelivery. */
import { useState } from 'preact/hooks';
import { call, get } from '../api.js';
import { html } from '../html.js';
import { CopyField, ErrorLine, useAction, useLoad } from './common.js';

const EVENTS = ['model.processed', 'model.failed', 'render.complete', 'render.failed', 'job.complete', 'job.failed'];

export function WebhooksPage() {
  const list = useLoad(() => get('/webhooks').then((envelope) => envelope.data), []);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['render.complete', 'render.failed']);
  const [secret, setSecret] = useState<string | null>(null);
  const action = useAction();
  return html`<h1 tabindex="-1">Webhooks</h1>
    <form class="inline-form" onSubmit=${(event: Event) => {
      event.preventDefault();
      void action.run(async () => {
        const { data } = await call('POST', '/webhooks', { url, events });
        setSecret(data.secret);
        setUrl('');
        list.reload();
      });
    }}>
      <div class="field"><label for="webhook-url">Endpoint URL</label><input id="webhook-url" type="url" required value=${url} onInput=${(event: Event) => setUrl((event.target as HTMLInputElement).value)} /></div>
      <fieldset><legend>Events</legend>${EVENTS.map((name) => html`<div class="check"><input id=${`event-${name}`} type="checkbox" checked=${events.includes(name)}
        onChange=${(event: Event) => setEvents((event.target as HTMLInputElement).checked ? [...events, name] : events.filter((each) => each !== name))} /><label for=${`event-${name}`}>${name}</label></div>`)}</fieldset>
      <button type="submit" disabled=${action.busy}>Add webhook</button>
      <${ErrorLine} error=${action.error} />
    </form>
    ${secret ? html`<div class="notice" role="status"><${CopyField} id="webhook-secret" label="Signing secret (shown once: keep it now)" value=${secret} /></div>` : ''}
    <${ErrorLine} error=${list.error} />
    <table><thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Enabled</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${(list.value ?? []).map((hook: any) => html`<tr><td><a href=${`#/webhooks/${hook.id}`}>${hook.url}</a></td><td>${hook.events.join(', ')}</td><td>${hook.enabled ? 'yes' : 'no'}</td>
        <td class="row"><button type="button" class="secondary small" onClick=${() => action.run(async () => (await call('PATCH', `/webhooks/${hook.id}`, { enabled: !hook.enabled }), list.reload()))}>${hook.enabled ? 'Disable' : 'Enable'}</button>
        <button type="button" class="danger small" aria-label=${`Delete webhook ${hook.url}`} onClick=${() => confirm('Delete this webhook?') && action.run(async () => (await call('DELETE', `/webhooks/${hook.id}`), list.reload()))}>Delete</button></td></tr>`)}
    </tbody></table>`;
}

export function WebhookPage({ id }: { id: string }) {
  const hook = useLoad(() => get(`/webhooks/${encodeURIComponent(id)}`).then((envelope) => envelope.data), [id]);
  const deliveries = useLoad(() => get(`/webhooks/${encodeURIComponent(id)}/deliveries?limit=100`).then((envelope) => envelope.data), [id]);
  const action = useAction();
  return html`<h1 tabindex="-1">Webhook</h1>
    <p><a href="#/webhooks">← all webhooks</a> · <code>${hook.value?.url ?? ''}</code></p>
    <div class="row">
      <button type="button" onClick=${() => action.run(async () => (await call('POST', `/webhooks/${id}/ping`), setTimeout(deliveries.reload, 500)))}>Send a ping</button>
      <button type="button" class="secondary" onClick=${deliveries.reload}>Refresh</button>
    </div>
    <${ErrorLine} error=${action.error ?? hook.error ?? deliveries.error} />
    <h2>Delivery log</h2>
    <table><thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${(deliveries.value ?? []).map((delivery: any) => html`<tr><td>${delivery.event}</td><td>${delivery.status}</td><td>${delivery.attempts}</td>
        <td>${delivery.lastResponseCode ?? delivery.lastError ?? '–'}</td><td>${new Date(delivery.createdAt).toLocaleString()}</td>
        <td><button type="button" class="secondary small" onClick=${() => action.run(async () => (await call('POST', `/webhooks/${id}/deliveries/${delivery.id}/redeliver`), deliveries.reload()))}>Redeliver</button></td></tr>`)}
    </tbody></table>`;
}
