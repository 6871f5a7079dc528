/** Small pieces every view uses: the status badge with percent, an error line, loading of one resource. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { html } from '../html.js';

export function Status({ status, progress }: { status: string; progress?: number }) {
  const running = !['done', 'error', 'failed', 'pending', 'valid', 'invalid'].includes(status);
  return html`<span class=${`status status-${status}`} data-status=${status}>${status}${running && progress !== undefined ? html` <span class="percent">${progress}%</span>` : ''}</span>`;
}

export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  return html`<p class="error" role="alert">${message}</p>`;
}

/** Loads once (and again on `reload()`), keeping the last good value while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { value: T | null; error: unknown; reload: () => void; set: (value: T) => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (result) => live && (setValue(result), setError(null)),
      (failure) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { value, error, reload: useCallback(() => setRound((n) => n + 1), []), set: setValue };
}

/** Runs an action, keeping its error for display and a busy flag to disable the button. */
export function useAction(): { busy: boolean; error: unknown; run: (action: () => Promise<unknown>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function CopyField({ label, value, id }: { label: string; value: string; id: string }) {
  const [copied, setCopied] = useState(false);
  return html`<div class="copy-field">
    <label for=${id}>${label}</label>
    <div class="row"><textarea id=${id} readonly rows="2" onFocus=${(event: FocusEvent) => (event.target as HTMLTextAreaElement).select()}>${value}</textarea>
    <button type="button" class="secondary" onClick=${() => navigator.clipboard?.writeText(value).then(() => setCopied(true))}>${copied ? 'Copied' : 'Copy'}</button></div>
  </div>`;
}
