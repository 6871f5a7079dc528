/**
 * A render: the player (or the stills gallery), downloads, its share page and embed snippet
 * (signed URLs from the embed service), sharing on/off, retry and delete; status live.
 */
import { useEffect } from 'preact/hooks';
import { call, get, renderFile, subscribe } from '../api.js';
import { html } from '../html.js';
import { CopyField, ErrorLine, Status, useAction, useLoad } from './common.js';

const portalUrl = (url: string) => url.replace(/^\/v1\//, '/portal/api/');

export function RenderPage({ id }: { id: string }) {
  const render = useLoad(() => get(`/renders/${encodeURIComponent(id)}`).then((envelope) => envelope.data), [id]);
  const done = render.value?.status === 'done';
  const output = render.value?.renderSettings?.output ?? 'video';
  const stills = useLoad(() => (done && output === 'stills' ? get(`/renders/${encodeURIComponent(id)}/stills`).then((envelope) => envelope.data) : Promise.resolve([])), [id, done]);
  const embed = useLoad(() => (done ? get(`/renders/${encodeURIComponent(id)}/embed?ttl=604800`).then((envelope) => envelope.data) : Promise.resolve(null)), [id, done]);
  const action = useAction();
  useEffect(() => subscribe({ render: (change) => change.id === id && render.set({ ...render.value, ...change }) }), [id, render.value]);

  if (!render.value) return html`<h1 tabindex="-1">Render</h1><${ErrorLine} error=${render.error} />`;
  const item = render.value;
  const shareable = Boolean(embed.value?.shareUrl);
  return html`
    <h1 tabindex="-1">Render ${item.id}</h1>
    <p><a href=${`#/models/${item.modelId}`}>← its model</a> · <${Status} status=${item.status} progress=${item.progress} /> ${item.stage && item.status !== 'done' ? html`<span class="muted">${item.stage}</span>` : ''}</p>
    ${item.status !== 'done' && item.status !== 'error' ? html`<progress max="100" value=${item.progress} aria-label="Render progress"></progress>` : ''}
    ${item.errorMessage ? html`<p class="error">${item.errorMessage}</p>` : ''}
    ${done && output === 'video' ? html`<video id="render-player" controls autoplay muted loop playsinline poster=${renderFile(id, 'poster?quality=full')} src=${renderFile(id, item.hasWebVariant ? 'video?quality=web' : 'video')}></video>` : ''}
    ${done && output === 'stills' ? html`<div class="stills">${(stills.value ?? []).map((still: any) => html`<figure><img src=${portalUrl(still.url)} alt=${`Still ${still.name}`} loading="lazy" /><figcaption>${still.name}</figcaption></figure>`)}</div>` : ''}
    ${done ? html`<div class="downloads" aria-label="Downloads">
      ${output === 'video' ? html`<a class="button" href=${renderFile(id, 'video')} download>Video</a><a class="button secondary" href=${renderFile(id, 'video?quality=web')} download>Web video</a><a class="button secondary" href=${renderFile(id, 'poster?quality=full')} download>Poster</a>` : ''}
      ${output === 'dataset' ? html`<a class="button" href=${renderFile(id, 'dataset')} download>Dataset (zip)</a>` : ''}
      <a class="button secondary" href=${renderFile(id, 'bundle')} download>Everything (zip)</a>
    </div>` : ''}
    ${embed.value ? html`<section aria-labelledby="share-heading"><h2 id="share-heading">Share and embed</h2>
      ${embed.value.shareUrl ? html`<${CopyField} id="share-url" label="Public share page" value=${embed.value.shareUrl} />` : html`<p class="muted">Sharing is off for this render or the account.</p>`}
      <${CopyField} id="embed-html" label=${`Embed snippet (signed URLs until ${new Date(embed.value.expiresAt).toLocaleString()})`} value=${embed.value.html} />
      <div class="check"><input id="shareable" type="checkbox" checked=${shareable} onChange=${(event: Event) => action.run(async () => {
        const { data } = await call('PATCH', `/renders/${id}`, { shareable: (event.target as HTMLInputElement).checked });
        render.set({ ...item, ...data });
        embed.reload();
      })} /><label for="shareable">Public share page</label></div>
    </section>` : ''}
    <div class="row">
      ${['error', 'failed', 'done'].includes(item.status) && !item.isSystemPreview ? html`<button type="button" class="secondary" onClick=${() => action.run(async () => (await call('POST', `/renders/${id}/retry`), render.reload()))}>Retry</button>` : ''}
      ${!item.isSystemPreview ? html`<button type="button" class="danger" onClick=${() => confirm('Delete this render and its files?') && action.run(async () => (await call('DELETE', `/renders/${id}`), location.assign(`#/models/${item.modelId}`)))}>Delete</button>` : ''}
    </div>
    <${ErrorLine} error=${action.error ?? embed.error} />
  `;
}
