/**
 * Runs the Grok 3D document's JavaScript examples (test/fixtures/grok3d-document-examples.js,
 * verbatim) in Node: only `http://your-server:8000` is replaced by `base`, and the page they
 * expect is a minimal stand-in — `window.location.href` (recorded, as a navigation), a
 * `document` whose elements record their className, innerHTML and onclick, and a console
 * whose lines are kept. `fetch`, `setInterval` and `clearInterval` are Node's.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';

const SCRIPT = path.resolve('test/fixtures/grok3d-document-examples.js');
const DOCUMENT_BASE = 'http://your-server:8000';

export interface StandInElement {
  tagName: string;
  className: string;
  innerHTML: string;
  onclick: (() => void) | null;
  children: StandInElement[];
  appendChild(child: StandInElement): StandInElement;
}

export interface DocumentPage {
  generateAndDownload(prompt: string): Promise<void>;
  loadExamples(): Promise<void>;
  /** Every value assigned to window.location.href, in order. */
  navigations: string[];
  /** The `examples-container` element loadExamples fills. */
  container: StandInElement;
  logs: string[];
  errors: string[];
  /** Stops any polling the examples left running. */
  stop(): void;
}

function element(tagName: string): StandInElement {
  const created: StandInElement = {
    tagName: tagName.toUpperCase(),
    className: '',
    innerHTML: '',
    onclick: null,
    children: [],
    appendChild(child) {
      created.children.push(child);
      return child;
    },
  };
  return created;
}

export async function loadDocumentExamples(base: string): Promise<DocumentPage> {
  const source = (await readFile(SCRIPT, 'utf8')).replaceAll(DOCUMENT_BASE, base);
  const navigations: string[] = [];
  const logs: string[] = [];
  const errors: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const container = element('div');
  const window = {
    location: {
      get href() {
        return navigations.at(-1) ?? 'about:blank';
      },
      set href(value: string) {
        navigations.push(value);
      },
    },
  };
  const document = {
    createElement: element,
    getElementById: (id: string) => (id === 'examples-container' ? container : null),
  };
  const sandbox = {
    window,
    document,
    fetch,
    console: { log: (...parts: unknown[]) => logs.push(parts.join(' ')), error: (...parts: unknown[]) => errors.push(parts.map(String).join(' ')) },
    setInterval: (callback: () => void, ms: number) => {
      const timer = setInterval(callback, ms);
      timers.add(timer);
      return timer;
    },
    clearInterval: (timer: NodeJS.Timeout) => {
      timers.delete(timer);
      clearInterval(timer);
    },
  };
  const exported = vm.runInNewContext(`${source}\n;({ generateAndDownload, loadExamples })`, sandbox, { filename: SCRIPT }) as Pick<DocumentPage, 'generateAndDownload' | 'loadExamples'>;
  return {
    ...exported,
    navigations,
    container,
    logs,
    errors,
    stop: () => {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
    },
  };
}
