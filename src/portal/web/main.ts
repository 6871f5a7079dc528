/**
 * The signed-in portal, a small Preact + htm app mounted in the page that /portal serves.
 * Hash routes (#/models, #/models/:id, #/renders/:id, …) keep every view a link that can be
 * bookmarked, reloaded and opened in a new tab, with no server routes beyond /portal.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { ExamplesPage } from './views/examples.js';
import { KeysPage } from './views/keys.js';
import { EnvironmentsPage, OverlaysPage, TemplatesPage } from './views/library.js';
import { ModelPage } from './views/model.js';
import { ModelsPage } from './views/models.js';
import { RenderPage } from './views/render.js';
import { WebhookPage, WebhooksPage } from './views/webhooks.js';

const SECTIONS = [
  ['#/models', 'Models'],
  ['#/examples', 'Examples'],
  ['#/templates', 'Templates'],
  ['#/overlays', 'Overlays'],
  ['#/environments', 'Environments'],
  ['#/webhooks', 'Webhooks'],
  ['#/keys', 'API keys'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/models');
  useEffect(() => {
    const changed = () => setHash(location.hash || '#/models');
    addEventListener('hashchange', changed);
    // The effect runs after the first paint: a hash changed before that (a link followed while
    // the page was still starting) fired no event this listener saw, so read it once more.
    changed();
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function page(hash: string) {
  const [, section, id, sub] = hash.split('/').map(decodeURIComponent);
  if (section === 'models' && id) return html`<${ModelPage} id=${id} key=${id} />`;
  if (section === 'renders' && id) return html`<${RenderPage} id=${id} key=${id} />`;
  if (section === 'webhooks' && id) return html`<${WebhookPage} id=${id} key=${id} />`;
  if (section === 'examples') return html`<${ExamplesPage} />`;
  if (section === 'templates') return html`<${TemplatesPage} />`;
  if (section === 'overlays') return html`<${OverlaysPage} />`;
  if (section === 'environments') return html`<${EnvironmentsPage} />`;
  if (section === 'webhooks') return html`<${WebhooksPage} />`;
  if (section === 'keys') return html`<${KeysPage} />`;
  void sub;
  return html`<${ModelsPage} />`;
}

function App() {
  const hash = useHash();
  const current = `#/${hash.split('/')[1] ?? 'models'}`;
  useEffect(() => document.querySelector<HTMLElement>('main h1')?.focus(), [hash]);
  return html`
    <nav class="sections" aria-label="Portal sections">
      ${SECTIONS.map(([href, label]) => html`<a href=${href} aria-current=${current === href ? 'page' : undefined}>${label}</a>`)}
    </nav>
    <main>${page(hash)}</main>
  `;
}

render(html`<${App} />`, document.getElementById('app')!);
