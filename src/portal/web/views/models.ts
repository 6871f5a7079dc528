/**
 * Models: the grid of posters (a card plays its thumb video while hovered or focused), filters
 * by tag and by title/SKU/file name, archived on request; upload by drag-and-drop or the file
 * input with a progress bar, and ingest from a URL. Each card's status follows the live stream.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, get, renderFile, subscribe, upload } from '../api.js';
import { html } from '../html.js';
import { ErrorLine, Status, useAction } from './common.js';
import { ExampleGallery } from './examples.js';

interface GridModel {
  id: string;
  originalName: string;
  title: string | null;
  sku: string | null;
  tags: string[];
  status: string;
  archived: boolean;
  preview: { renderId: string; status: string; progress: number } | null;
}

const PAGE = 100;

function ModelCard({ model }: { model: GridModel }) {
  const [playing, setPlaying] = useState(false);
  const preview = model.preview;
  const hasPoster = preview && preview.status !== 'pending' && preview.status !== 'poster-processing' && preview.status !== 'error';
  const start = () => setPlaying(Boolean(preview && preview.status === 'done'));
  const stop = () => setPlaying(false);
  return html`<li class="card" onMouseEnter=${start} onMouseLeave=${stop}>
    <a href=${`#/models/${encodeURIComponent(model.id)}`} onFocus=${start} onBlur=${stop} data-model=${model.id}>
      <div class="poster">
        ${playing
          ? html`<video src=${renderFile(preview!.renderId, 'thumb')} autoplay loop muted playsinline aria-hidden="true"></video>`
          : hasPoster
            ? html`<img src=${renderFile(preview!.renderId, 'poster')} alt="" loading="lazy" decoding="async" />`
            : html`<div class="placeholder" aria-hidden="true">⧗</div>`}
      </div>
      <span class="title">${model.title ?? model.originalName}</span>
      ${model.sku ? html`<span class="sku">${model.sku}</span>` : ''}
    </a>
    <div class="card-meta">
      <${Status} status=${preview && preview.status !== 'done' ? preview.status : model.status} progress=${preview?.progress} />
      ${model.archived ? html`<span class="tag">archived</span>` : ''}
      ${model.tags.map((tag) => html`<span class="tag">${tag}</span>`)}
    </div>
  </li>`;
}

function Upload({ onUploaded }: { onUploaded: (modelId: string) => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const [url, setUrl] = useState('');
  const action = useAction();
  const input = useRef<HTMLInputElement>(null);
  const send = (file: File) =>
    action.run(async () => {
      const form = new FormData();
      form.append('file', file, file.name);
      setProgress(0);
      try {
        const { data } = await upload<{ modelId: string }>('/models', form, setProgress);
        onUploaded(data.modelId);
      } finally {
        setProgress(null);
      }
    });
  return html`<section class="upload" aria-labelledby="upload-heading">
    <h2 id="upload-heading">Add a model</h2>
    <div class=${`dropzone${dragging ? ' dragging' : ''}`}
      onDragOver=${(event: DragEvent) => (event.preventDefault(), setDragging(true))}
      onDragLeave=${() => setDragging(false)}
      onDrop=${(event: DragEvent) => {
        event.preventDefault();
        setDragging(false);
        const file = event.dataTransfer?.files[0];
        if (file) void send(file);
      }}>
      <label for="model-file">Drop a .glb, .gltf or .zip here, or choose a file</label>
      <input id="model-file" ref=${input} type="file" accept=".glb,.gltf,.zip" disabled=${action.busy}
        onChange=${(event: Event) => {
          const file = (event.target as HTMLInputElement).files?.[0];
          if (file) void send(file);
          (event.target as HTMLInputElement).value = '';
        }} />
      ${progress !== null ? html`<label class="progress-label" for="upload-progress">Uploading… ${Math.round(progress * 100)}%</label><progress id="upload-progress" max="1" value=${progress}></progress>` : ''}
    </div>
    <form class="inline" onSubmit=${(event: Event) => {
      event.preventDefault();
      void action.run(async () => {
        const { data } = await call<{ modelId: string }>('POST', '/models/ingest', { url });
        setUrl('');
        onUploaded(data.modelId);
      });
    }}>
      <label for="ingest-url">Or import from a URL</label>
      <input id="ingest-url" type="url" required placeholder="https://…/model.glb" value=${url} onInput=${(event: Event) => setUrl((event.target as HTMLInputElement).value)} />
      <button type="submit" disabled=${action.busy}>Import</button>
    </form>
    <${ErrorLine} error=${action.error} />
  </section>`;
}

export function ModelsPage() {
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  const [archived, setArchived] = useState(false);
  const [models, setModels] = useState<GridModel[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);

  const query = (offset: number) => {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (search.trim()) params.set('search', search.trim());
    if (tag.trim()) params.set('tags', tag.trim());
    if (archived) params.set('archived', 'true');
    return `/grid?${params}`;
  };
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      get<GridModel[]>(query(0)).then(
        (page) => live && (setModels(page.data), setTotal(page.meta?.total ?? page.data.length), setError(null)),
        (failure) => live && setError(failure),
      );
    }, search || tag ? 200 : 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [search, tag, archived, round]);

  // Live: a preview's percent and status, and a model's verdict, update their card in place; a
  // model this grid has not listed (added elsewhere, e.g. an example) makes it read the page again.
  const listed = useRef(new Set<string>());
  listed.current = new Set((models ?? []).map((model) => model.id));
  const looked = useRef(new Set<string>()); // once per unknown model: one outside the filter must not reload on every step
  useEffect(
    () =>
      subscribe({
        render: (change) => {
          if (!change.isSystemPreview) return;
          if (!listed.current.has(change.modelId)) {
            if (!looked.current.has(change.modelId)) setRound((n) => n + 1);
            looked.current.add(change.modelId);
            return;
          }
          setModels((list) => list && list.map((model) => (model.id === change.modelId ? { ...model, preview: { renderId: change.id, status: change.status, progress: change.progress } } : model)));
        },
        model: (change) => setModels((list) => list && list.map((model) => (model.id === change.id ? { ...model, status: change.status } : model))),
      }),
    [],
  );

  const more = () => get<GridModel[]>(query(models?.length ?? 0)).then((page) => setModels([...(models ?? []), ...page.data]), setError);

  return html`
    <h1 tabindex="-1">Models</h1>
    <${Upload} onUploaded=${() => setRound((n) => n + 1)} />
    <form class="filters" role="search" onSubmit=${(event: Event) => event.preventDefault()}>
      <div><label for="search">Search title, SKU or file</label>
      <input id="search" type="search" value=${search} onInput=${(event: Event) => setSearch((event.target as HTMLInputElement).value)} /></div>
      <div><label for="tag">Tag</label>
      <input id="tag" type="text" placeholder="e.g. chairs" value=${tag} onInput=${(event: Event) => setTag((event.target as HTMLInputElement).value)} /></div>
      <div class="check"><input id="archived" type="checkbox" checked=${archived} onChange=${(event: Event) => setArchived((event.target as HTMLInputElement).checked)} />
      <label for="archived">Include archived</label></div>
    </form>
    <${ErrorLine} error=${error} />
    ${models === null
      ? html`<p class="muted" aria-busy="true">Loading…</p>`
      : models.length === 0
        ? html`<div class="empty"><p>No models yet. Upload one above, or start with an example:</p><${ExampleGallery} /></div>`
        : html`<p class="muted" aria-live="polite">${total} model${total === 1 ? '' : 's'}</p>
          <ul class="grid" id="model-grid">${models.map((model) => html`<${ModelCard} key=${model.id} model=${model} />`)}</ul>
          ${models.length < total ? html`<button type="button" class="secondary" onClick=${more}>Show more</button>` : ''}`}
  `;
}
