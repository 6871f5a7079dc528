/**
 * A model: its facts and the validator's report, an interactive 3D view, its renders with live
 * status and percent (the event stream), the render form with its quote, and the model's own
 * actions (title, SKU, tags, archive, delete, downloads).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, get, modelFile, renderFile, subscribe } from '../api.js';
import { html } from '../html.js';
import { ErrorLine, Status, useAction, useLoad } from './common.js';
import { RenderForm } from './render-form.js';

interface RenderRow {
  id: string;
  status: string;
  progress: number;
  stage: string | null;
  isSystemPreview: boolean;
  createdAt: string;
  renderSettings: Record<string, unknown>;
  errorMessage: string | null;
}

function ModelView({ modelId }: { modelId: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState('starting');
  useEffect(() => {
    let viewer: { dispose(): void } | null = null;
    let live = true;
    import('../viewer.js')
      .then(({ mountViewer }) => mountViewer(container.current!, modelFile(modelId, 'file'), (next) => live && setStatus(next)))
      .then((mounted) => (live ? (viewer = mounted) : mounted.dispose()))
      .catch((error: Error) => live && setStatus(`could not show the model: ${error.message}`));
    return () => {
      live = false;
      viewer?.dispose();
    };
  }, [modelId]);
  return html`<section aria-labelledby="view-heading"><h2 id="view-heading">3D view</h2>
    <div class="viewer" id="model-viewer" ref=${container}></div>
    <p class="muted" aria-live="polite">${status === 'ready' ? 'Drag to turn, scroll to zoom; arrow keys when focused.' : status}</p></section>`;
}

function Facts({ model }: { model: any }) {
  const facts = model.facts ?? {};
  const show = (value: unknown) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  const report = model.validation;
  return html`<section aria-labelledby="facts-heading"><h2 id="facts-heading">Facts</h2>
    <dl class="facts">
      <dt>File</dt><dd>${model.originalName} (${model.sourceFormat ?? model.file?.format})</dd>
      ${Object.entries(facts).map(([name, value]) => html`<dt>${name}</dt><dd>${show(value)}</dd>`)}
    </dl>
    ${model.warnings?.length ? html`<ul class="warnings">${model.warnings.map((warning: string) => html`<li>${warning}</li>`)}</ul>` : ''}
    <h3>Validator report</h3>
    ${report
      ? html`<p>${report.validator}: ${report.errors} errors, ${report.warnings} warnings, ${report.infos} infos, ${report.hints} hints${report.blocking ? html` — <strong class="error">blocking</strong>` : ''}</p>
        ${report.messages?.length ? html`<ul class="messages">${report.messages.map((message: any) => html`<li><code>${message.code}</code> ${message.message} <span class="muted">${message.pointer ?? ''}</span></li>`)}</ul>` : ''}`
      : html`<p class="muted">No report.</p>`}
  </section>`;
}

function Details({ model, onSaved }: { model: any; onSaved: () => void }) {
  const [title, setTitle] = useState(model.title ?? '');
  const [sku, setSku] = useState(model.sku ?? '');
  const [tags, setTags] = useState((model.tags ?? []).join(', '));
  const action = useAction();
  const save = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await call('PATCH', `/models/${model.id}`, { title: title || null, sku: sku || null, tags: tags.split(',').map((tag: string) => tag.trim()).filter(Boolean) });
      onSaved();
    });
  };
  return html`<form class="details" onSubmit=${save}>
    <div class="field"><label for="model-title">Title</label><input id="model-title" value=${title} onInput=${(event: Event) => setTitle((event.target as HTMLInputElement).value)} /></div>
    <div class="field"><label for="model-sku">SKU</label><input id="model-sku" value=${sku} onInput=${(event: Event) => setSku((event.target as HTMLInputElement).value)} /></div>
    <div class="field"><label for="model-tags">Tags (comma-separated)</label><input id="model-tags" value=${tags} onInput=${(event: Event) => setTags((event.target as HTMLInputElement).value)} /></div>
    <div class="row">
      <button type="submit" disabled=${action.busy}>Save</button>
      <button type="button" class="secondary" onClick=${() => action.run(async () => (await call('PATCH', `/models/${model.id}/${model.archived ? 'unarchive' : 'archive'}`), onSaved()))}>${model.archived ? 'Unarchive' : 'Archive'}</button>
      <a class="button secondary" href=${modelFile(model.id, 'file')} download>Download model</a>
      <a class="button secondary" href=${modelFile(model.id, 'usdz')} download>Download USDZ</a>
      <button type="button" class="danger" onClick=${() => confirm('Delete this model and its renders?') && action.run(async () => (await call('DELETE', `/models/${model.id}`), location.assign('#/models')))}>Delete</button>
    </div>
    <${ErrorLine} error=${action.error} />
  </form>`;
}

export function ModelPage({ id }: { id: string }) {
  const model = useLoad(() => get(`/models/${encodeURIComponent(id)}`).then((envelope) => envelope.data), [id]);
  const renders = useLoad(() => get<RenderRow[]>(`/renders?model=${encodeURIComponent(id)}&limit=100`).then((envelope) => envelope.data), [id]);
  const account = useLoad(() => get('/session').then((envelope) => envelope.data.account), [id]);
  // The page header's balance (server-rendered) follows too.
  useEffect(() => {
    const header = document.getElementById('credits');
    if (header && account.value) header.textContent = String(account.value.credits);
  }, [account.value]);
  useEffect(
    () =>
      subscribe({
        render: (change) => {
          if (change.modelId !== id) return;
          // A render this page has not listed yet (made elsewhere): read the list again; else update it in place.
          if (!(renders.value ?? []).some((row) => row.id === change.id)) renders.reload();
          else renders.set((renders.value ?? []).map((row) => (row.id === change.id ? { ...row, ...change } : row)));
          if (['done', 'error'].includes(change.status)) account.reload();
        },
        model: (change) => change.id === id && model.reload(),
      }),
    [id, renders.value],
  );
  if (!model.value) return html`<h1 tabindex="-1">Model</h1><${ErrorLine} error=${model.error} />`;
  const item = model.value;
  return html`
    <h1 tabindex="-1">${item.title ?? item.originalName}</h1>
    <p class="sku">${item.sku ?? ''} <${Status} status=${item.status} /> ${item.invalidReason ? html`<span class="error">${item.invalidReason}</span>` : ''}</p>
    <div class="columns">
      <div>
        <${ModelView} modelId=${id} />
        <${Details} model=${item} onSaved=${model.reload} />
        <${Facts} model=${item} />
      </div>
      <div>
        <section aria-labelledby="renders-heading"><h2 id="renders-heading">Renders</h2>
          <p class="muted">Credit balance: <strong id="credit-balance">${account.value?.credits ?? '…'}</strong></p>
          <ul class="renders" id="model-renders">
            ${(renders.value ?? []).map((row) => html`<li key=${row.id} data-render=${row.id} data-status=${row.status}>
              <a href=${`#/renders/${row.id}`}>${row.status === 'done' ? html`<img src=${renderFile(row.id, 'poster')} alt="" loading="lazy" />` : ''}
                ${row.isSystemPreview ? 'Preview' : String(row.renderSettings?.output ?? 'video')} · ${String(row.renderSettings?.quality ?? '')} ${String(row.renderSettings?.effect ?? '')}</a>
              <${Status} status=${row.status} progress=${row.progress} />
              ${row.status !== 'done' && row.status !== 'error' ? html`<progress max="100" value=${row.progress} aria-label=${`Render ${row.id} progress`}></progress>` : ''}
              ${row.errorMessage ? html`<span class="error">${row.errorMessage}</span>` : ''}
            </li>`)}
          </ul>
          <${ErrorLine} error=${renders.error} />
        </section>
        ${item.status === 'valid' ? html`<${RenderForm} modelId=${id} onCreated=${() => (renders.reload(), account.reload())} />` : html`<p class="muted">Renders can be made once the model's preview has passed.</p>`}
      </div>
    </div>
  `;
}
