/** The portal's one stylesheet, inlined in each page (no external file, font or CDN: pages work offline). */
import { rawHtml } from '../http/html.js';

export const STYLE = rawHtml(`
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #111; color: #eee; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px; }
  h1 { font-size: 1.4rem; margin: 8px 0 4px; overflow-wrap: anywhere; }
  .sku { color: #aaa; margin: 0 0 12px; }
  video, .stills img { display: block; width: 100%; height: auto; background: #000; border-radius: 6px; }
  .stills { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
  .stills figure { margin: 0; } .stills figcaption { color: #aaa; font-size: .85rem; padding-top: 4px; }
  .downloads { display: flex; flex-wrap: wrap; gap: 8px; margin: 14px 0; }
  .downloads a { color: #111; background: #eee; padding: 8px 14px; border-radius: 6px; text-decoration: none; font-weight: 600; }
  .downloads a:focus-visible { outline: 3px solid #6af; outline-offset: 2px; }
  footer { color: #777; font-size: .8rem; padding: 12px 0; }
  form { display: grid; gap: 10px; max-width: 420px; }
  label { font-weight: 600; } input[type=password] { font: inherit; padding: 8px; border-radius: 6px; border: 1px solid #555; background: #222; color: #eee; }
  button { font: inherit; font-weight: 600; padding: 8px 14px; border-radius: 6px; border: 0; background: #eee; color: #111; cursor: pointer; justify-self: start; }
  button:focus-visible, input:focus-visible { outline: 3px solid #6af; outline-offset: 2px; }
  .error { color: #f88; } .muted { color: #aaa; }
`);
