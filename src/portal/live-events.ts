/** What the portal's event stream sends (event-stream.ts) and its app reads (web/api.ts): one definition for both sides. */
export interface RenderChange {
  id: string;
  modelId: string;
  status: string;
  progress: number;
  stage: string | null;
  isSystemPreview: boolean;
  errorMessage: string | null;
}

export interface ModelChange {
  id: string;
  status: string;
  invalidReason: string | null;
}
