/**
 * The first-run examples gallery: the CC0 example models shipped with Renderbay. "Add" imports
 * one into the account (the free preview render follows, live), so a new user sees a result
 * before uploading anything; an added example links to its model page.
 */
import { useEffect } from 'preact/hooks';
import { call, get, subscribe } from '../api.js';
import { html } from '../html.js';
import { ErrorLine, useAction, useLoad } from './common.js';

export function ExamplesPage() {
  return html`<h1 tabindex="-1">Examples</h1>
    <p class="muted">Free example models (CC0). Add one to see its preview render, then try your own settings on its page.</p>
    <${ExampleGallery} />`;
}

/** The gallery itself: on its own page, and on the Models page of an account with no models yet. */
export function ExampleGallery() {
  const list = useLoad(() => get('/examples').then((envelope) => envelope.data), []);
  const grid = useLoad(() => get('/grid?tags=example&archived=true&limit=100').then((envelope) => envelope.data), []);
  const action = useAction();
  useEffect(() => subscribe({ model: () => grid.reload(), render: (change) => change.isSystemPreview && change.status === 'done' && grid.reload() }), []);
  const preview = (modelId: string | null) => (grid.value ?? []).find((model: any) => model.id === modelId)?.preview;
  return html`<div class="row"><button type="button" disabled=${action.busy} onClick=${() => action.run(async () => {
      for (const example of list.value ?? []) if (!example.modelId) await call('POST', `/examples/${example.id}/import`);
      list.reload();
      grid.reload();
    })}>Add all examples</button></div>
    <${ErrorLine} error=${action.error ?? list.error} />
    <ul class="grid">${(list.value ?? []).map((example: any) => {
      const shown = preview(example.modelId);
      return html`<li class="card" data-example=${example.id}>
        <div class="poster">${shown?.status === 'done'
          ? html`<img src=${`/portal/api/renders/${shown.renderId}/poster`} alt=${`Preview render of ${example.name}`} />`
          : example.hasPreview
            ? html`<img src=${`/portal/api/examples/${example.id}/preview.jpg`} alt=${`Preview of ${example.name}`} />`
            : html`<div class="placeholder" aria-hidden="true">${shown ? `${shown.progress}%` : '◇'}</div>`}</div>
        <span class="title">${example.name}</span>
        <p class="muted">${example.description}</p>
        <p class="muted small">${example.license} · Khronos glTF Sample Models</p>
        ${example.modelId
          ? html`<a class="button secondary" href=${`#/models/${example.modelId}`}>Open</a>`
          : html`<button type="button" disabled=${action.busy} onClick=${() => action.run(async () => (await call('POST', `/examples/${example.id}/import`), list.reload(), grid.reload()))}>Add ${example.name}</button>`}
      </li>`;
    })}</ul>`;
}
