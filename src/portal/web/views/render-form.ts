/**
 * The render form, generated from the one settings schema (GET /portal/api/render-form: the
 * RenderSettings fields as JSON Schema, with their defaults, ranges and descriptions): an enum
 * is a select, a boolean a checkbox, a number a number input with the schema's range, an array
 * a comma-separated list. Only the fields a person changed are sent; the server applies the
 * defaults. Lighting presets and templates are offered by name; the quote for exactly these
 * settings is shown (and refreshed) before anything is submitted, with the credit balance.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, get } from '../api.js';
import { html } from '../html.js';
import { ErrorLine, useAction, useLoad } from './common.js';

interface JsonProperty {
  type?: string;
  enum?: string[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  items?: JsonProperty;
}

interface FormInfo {
  schema: { properties: Record<string, JsonProperty> };
  lighting: { name: string; label: string; description: string }[];
}

/** Shown first; the rest is under "More settings", in schema order. */
const PRIMARY = ['output', 'quality', 'aspect', 'effect', 'length', 'lighting', 'templateId', 'bgColor', 'stills', 'imageSize'];

type Values = Record<string, unknown>;

function fieldValue(property: JsonProperty, raw: string | boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  if (property.type === 'number' || property.type === 'integer') return raw === '' ? undefined : Number(raw);
  if (property.type === 'array' || property.type === undefined && property.items) return raw.split(',').map((part) => part.trim()).filter(Boolean);
  return raw === '' ? undefined : raw;
}

function Field({ name, property, value, onChange, info, templates }: {
  name: string; property: JsonProperty; value: unknown; onChange: (name: string, value: unknown) => void; info: FormInfo; templates: { id: string; name: string }[];
}) {
  const id = `setting-${name}`;
  const shown = value ?? property.default;
  const help = property.description ? html`<small id=${`${id}-help`}>${property.description}</small>` : '';
  const describedBy = property.description ? `${id}-help` : undefined;
  const set = (raw: string | boolean) => onChange(name, fieldValue(property, raw));
  if (property.type === 'boolean') {
    return html`<div class="field check"><input id=${id} type="checkbox" checked=${Boolean(shown)} aria-describedby=${describedBy} onChange=${(event: Event) => set((event.target as HTMLInputElement).checked)} />
      <label for=${id}>${name}</label>${help}</div>`;
  }
  let options: { value: string; label: string }[] | null = property.enum ? property.enum.map((option) => ({ value: option, label: option })) : null;
  if (name === 'lighting') options = info.lighting.map((preset) => ({ value: preset.name, label: `${preset.label} — ${preset.description}` }));
  if (name === 'templateId') options = templates.map((template) => ({ value: template.id, label: template.name }));
  if (options) {
    const optional = property.default === undefined;
    return html`<div class="field"><label for=${id}>${name}</label>
      <select id=${id} name=${name} aria-describedby=${describedBy} onChange=${(event: Event) => set((event.target as HTMLSelectElement).value)}>
        ${optional ? html`<option value="" selected=${shown === undefined}>(none)</option>` : ''}
        ${options.map((option) => html`<option value=${option.value} selected=${shown === option.value}>${option.label}</option>`)}
      </select>${help}</div>`;
  }
  const numeric = property.type === 'number' || property.type === 'integer';
  return html`<div class="field"><label for=${id}>${name}</label>
    <input id=${id} name=${name} type=${numeric ? 'number' : 'text'} aria-describedby=${describedBy}
      min=${property.minimum} max=${property.maximum} step=${property.type === 'integer' ? 1 : 'any'}
      value=${Array.isArray(shown) ? shown.join(', ') : shown === undefined ? '' : String(shown)}
      placeholder=${property.default === undefined ? '' : String(property.default)}
      onChange=${(event: Event) => set((event.target as HTMLInputElement).value)} />${help}</div>`;
}

export function RenderForm({ modelId, onCreated }: { modelId: string; onCreated: (renderId: string) => void }) {
  const form = useLoad(() => get<FormInfo>('/render-form').then((envelope) => envelope.data), []);
  const templates = useLoad(() => get<{ id: string; name: string }[]>('/templates?limit=100').then((envelope) => envelope.data), []);
  const [values, setValues] = useState<Values>({});
  const [quote, setQuote] = useState<{ creditsRequired: number; creditsAvailable: number; sufficient: boolean } | null>(null);
  const [quoteError, setQuoteError] = useState<unknown>(null);
  const submit = useAction();

  const settings = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
  const key = JSON.stringify(settings);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      call('POST', '/quote', { renders: [{ modelId, renderSettings: settings }] }).then(
        ({ data }) => live && (setQuote(data), setQuoteError(data.problems?.[0] ? new Error(data.problems[0].message) : null)),
        (failure) => live && (setQuote(null), setQuoteError(failure)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, modelId]);

  if (!form.value) return html`<${ErrorLine} error=${form.error} />`;
  const info = form.value;
  const onChange = (name: string, value: unknown) => setValues((current) => ({ ...current, [name]: value }));
  const names = Object.keys(info.schema.properties);
  const field = (name: string) =>
    html`<${Field} key=${name} name=${name} property=${info.schema.properties[name]} value=${values[name]} onChange=${onChange} info=${info} templates=${templates.value ?? []} />`;
  return html`<form class="render-form" aria-labelledby="render-form-heading" onSubmit=${(event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const { data } = await call<{ id: string }>('POST', '/renders', { modelId, renderSettings: settings });
      onCreated(data.id);
    });
  }}>
    <h2 id="render-form-heading">New render</h2>
    <div class="fields">${PRIMARY.filter((name) => names.includes(name)).map(field)}</div>
    <details><summary>More settings</summary><div class="fields">${names.filter((name) => !PRIMARY.includes(name)).map(field)}</div></details>
    <p class="quote" aria-live="polite" id="quote">
      ${quote ? html`Costs <strong data-credits-required=${quote.creditsRequired}>${quote.creditsRequired}</strong> credit${quote.creditsRequired === 1 ? '' : 's'}; balance <strong>${quote.creditsAvailable}</strong>${quote.sufficient ? '' : html` — <span class="error">not enough credits</span>`}.` : 'Pricing…'}
    </p>
    <${ErrorLine} error=${quoteError} />
    <button type="submit" disabled=${submit.busy || !quote?.sufficient || Boolean(quoteError)}>Render</button>
    <${ErrorLine} error=${submit.error} />
  </form>`;
}
