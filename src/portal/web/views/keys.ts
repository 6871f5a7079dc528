/** API keys of the account: create (the secret is shown once), list, revoke. */
import { useState } from 'preact/hooks';
import { call, get } from '../api.js';
import { html } from '../html.js';
import { CopyField, ErrorLine, useAction, useLoad } from './common.js';

export function KeysPage() {
  const list = useLoad(() => get('/keys').then((envelope) => envelope.data), []);
  const [name, setName] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const action = useAction();
  return html`<h1 tabindex="-1">API keys</h1>
    <form class="inline-form" onSubmit=${(event: Event) => {
      event.preventDefault();
      void action.run(async () => {
        const { data } = await call('POST', '/keys', { name, scopes: readOnly ? ['read'] : ['read', 'write'] });
        setCreated(data.key);
        setName('');
        list.reload();
      });
    }}>
      <div class="field"><label for="key-name">Name</label><input id="key-name" required value=${name} onInput=${(event: Event) => setName((event.target as HTMLInputElement).value)} /></div>
      <div class="check"><input id="key-read-only" type="checkbox" checked=${readOnly} onChange=${(event: Event) => setReadOnly((event.target as HTMLInputElement).checked)} /><label for="key-read-only">Read-only</label></div>
      <button type="submit" disabled=${action.busy}>Create key</button>
      <${ErrorLine} error=${action.error} />
    </form>
    ${created ? html`<div class="notice" role="status"><${CopyField} id="new-key" label="The new key (shown once: copy it now)" value=${created} /></div>` : ''}
    <${ErrorLine} error=${list.error} />
    <table><thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
      ${(list.value ?? []).map((key: any) => html`<tr data-key=${key.id}><td>${key.name}</td><td><code>${key.prefix}…</code></td><td>${key.scopes.join(', ')}</td>
        <td>${key.lastUsedAt ? new Date(key.lastUsedAt).toLocaleString() : '–'}</td><td>${key.revokedAt ? 'revoked' : 'active'}</td>
        <td>${key.revokedAt ? '' : html`<button type="button" class="danger small" aria-label=${`Revoke key ${key.name}`} onClick=${() => confirm(`Revoke ${key.name}? Programs using it stop working.`) && action.run(async () => (await call('DELETE', `/keys/${key.id}`), list.reload()))}>Revoke</button>`}</td></tr>`)}
    </tbody></table>`;
}
