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
  const list = useLoad(() => get('/examples').then((envelope) => envelope.data), []);
  const grid = useLoad(() => get('/grid?tags=example&archived=true&limit=100').then((envelope) => envelope.data), []);
  const action = useAction();
  useEffect(() => subscribe({ model: () => grid.reload(), render: (change) => change.isSystemPreview && change.status === 'done' && grid.reload() }), []);
  const preview = (modelId: string | null) => (grid.value ?? []).find((model: any) => model.id === modelId)?.preview;
  return html`<h1 tabindex="-1">Examples</h1>
    <p class="muted">Free example models (CC0). Add one to see its preview render, then try your own settings on its page.</p>
    <div class="row"><button type="button" disabled=${action.busy} onClick=${() => action.run(async () => {
      for (const example of list.value ?? []) if (!example.modelId) await call('POST', `/examples/${example.name}/import`);
      list.reload();
      grid.reload();
    })}>Add all examples</button></div>
    <${ErrorLine} error=${action.error ?? list.error} />
    <ul class="grid">${(list.value ?? []).map((example: any) => {
      const shown = preview(example.modelId);
      return html`<li class="card" data-example=${example.name}>
        <div class="poster">${shown?.status === 'done' ? html`<img src=${`/portal/api/renders/${shown.renderId}/poster`} alt=${`Preview of ${example.title}`} />` : html`<div class="placeholder" aria-hidden="true">${shown ? `${shown.progress}%` : '◇'}</div>`}</div>
        <span class="title">${example.title}</span>
        <p class="muted">${example.description}</p>
        <p class="muted small">${example.license} · ${example.credit}</p>
        ${example.modelId
          ? html`<a class="button secondary" href=${`#/models/${example.modelId}`}>Open</a>`
          : html`<button type="button" disabled=${action.busy} onClick=${() => action.run(async () => (await call('POST', `/examples/${example.name}/import`), list.reload(), grid.reload()))}>Add ${example.title}</button>`}
      </li>`;
    })}</ul>`;
}
