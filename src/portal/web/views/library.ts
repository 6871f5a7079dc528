/** Overlays, environments and templates: list, create, delete — simple views over their /v1 routes. */
import { useState } from 'preact/hooks';
import { call, get, upload } from '../api.js';
import { html } from '../html.js';
import { ErrorLine, useAction, useLoad } from './common.js';

function UploadForm({ id, label, accept, fields, route, onDone }: { id: string; label: string; accept: string; fields: any; route: string; onDone: () => void }) {
  const action = useAction();
  const [progress, setProgress] = useState<number | null>(null);
  return html`<form class="inline-form" onSubmit=${(event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    void action.run(async () => {
      try {
        await upload(route, form, setProgress);
        (event.target as HTMLFormElement).reset();
        onDone();
      } finally {
        setProgress(null);
      }
    });
  }}>
    <div class="field"><label for=${id}>${label}</label><input id=${id} name="file" type="file" accept=${accept} required /></div>
    ${fields}
    <button type="submit" disabled=${action.busy}>Upload</button>
    ${progress !== null ? html`<progress max="1" value=${progress} aria-label="Upload progress"></progress>` : ''}
    <${ErrorLine} error=${action.error} />
  </form>`;
}

function DeleteButton({ route, label, onDone }: { route: string; label: string; onDone: () => void }) {
  const action = useAction();
  return html`<button type="button" class="danger small" aria-label=${`Delete ${label}`} disabled=${action.busy}
    onClick=${() => confirm(`Delete ${label}?`) && action.run(async () => (await call('DELETE', route), onDone()))}>Delete</button><${ErrorLine} error=${action.error} />`;
}

export function OverlaysPage() {
  const list = useLoad(() => get('/overlays').then((envelope) => envelope.data), []);
  return html`<h1 tabindex="-1">Overlays</h1>
    <p class="muted">Background images (bgImageId) and foreground overlays such as watermarks (foregroundIds).</p>
    <${UploadForm} id="overlay-file" label="Image (PNG, JPEG, WebP)" accept="image/*" route="/overlays" onDone=${list.reload} fields=${html`
      <div class="field"><label for="overlay-name">Name</label><input id="overlay-name" name="name" /></div>
      <div class="field"><label for="overlay-layer">Layer</label><select id="overlay-layer" name="layer"><option>background</option><option>foreground</option></select></div>`} />
    <${ErrorLine} error=${list.error} />
    <table><thead><tr><th scope="col">Name</th><th scope="col">Layer</th><th scope="col">Size</th><th scope="col">Id</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${(list.value ?? []).map((overlay: any) => html`<tr><td>${overlay.name}</td><td>${overlay.layer}</td><td>${overlay.width}×${overlay.height}</td><td><code>${overlay.id}</code></td>
        <td>${overlay.system ? '' : html`<${DeleteButton} route=${`/overlays/${overlay.id}`} label=${overlay.name} onDone=${list.reload} />`}</td></tr>`)}
    </tbody></table>`;
}

export function EnvironmentsPage() {
  const list = useLoad(() => get('/environments').then((envelope) => envelope.data), []);
  return html`<h1 tabindex="-1">Environments</h1>
    <p class="muted">Your own HDR lighting (.hdr or .exr), used with environmentImage.</p>
    <${UploadForm} id="environment-file" label="Environment (.hdr, .exr)" accept=".hdr,.exr" route="/environments" onDone=${list.reload} fields=${html`
      <div class="field"><label for="environment-name">Name</label><input id="environment-name" name="name" /></div>`} />
    <${ErrorLine} error=${list.error} />
    <table><thead><tr><th scope="col">Name</th><th scope="col">Format</th><th scope="col">Size</th><th scope="col">Id</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${(list.value ?? []).map((environment: any) => html`<tr><td>${environment.name}</td><td>${environment.format}</td><td>${environment.width}×${environment.height}</td><td><code>${environment.id}</code></td>
        <td><${DeleteButton} route=${`/environments/${environment.id}`} label=${environment.name} onDone=${list.reload} /></td></tr>`)}
    </tbody></table>`;
}

export function TemplatesPage() {
  const list = useLoad(() => get('/templates?limit=100').then((envelope) => envelope.data), []);
  const [name, setName] = useState('');
  const [settings, setSettings] = useState('{ "bgColor": "#20242c", "lighting": "studio-soft" }');
  const action = useAction();
  return html`<h1 tabindex="-1">Templates</h1>
    <p class="muted">A saved look (render settings), applied with templateId; explicit fields win.</p>
    <form class="inline-form" onSubmit=${(event: Event) => {
      event.preventDefault();
      void action.run(async () => {
        await call('POST', '/templates', { name, settings: JSON.parse(settings) });
        setName('');
        list.reload();
      });
    }}>
      <div class="field"><label for="template-name">Name</label><input id="template-name" required value=${name} onInput=${(event: Event) => setName((event.target as HTMLInputElement).value)} /></div>
      <div class="field"><label for="template-settings">Settings (JSON)</label><textarea id="template-settings" rows="3" value=${settings} onInput=${(event: Event) => setSettings((event.target as HTMLTextAreaElement).value)}></textarea></div>
      <button type="submit" disabled=${action.busy}>Create template</button>
      <${ErrorLine} error=${action.error} />
    </form>
    <${ErrorLine} error=${list.error} />
    <table><thead><tr><th scope="col">Name</th><th scope="col">Settings</th><th scope="col">Id</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${(list.value ?? []).map((template: any) => html`<tr><td>${template.name}</td><td><code>${JSON.stringify(template.settings)}</code></td><td><code>${template.id}</code></td>
        <td><${DeleteButton} route=${`/templates/${template.id}`} label=${template.name} onDone=${list.reload} /></td></tr>`)}
    </tbody></table>`;
}
