/** /v1/lighting: the lighting presets and their previews (thin adapters over lighting-previews). */
import path from 'node:path';
import { sendFile } from '../../http/send-file.js';
import { lightingPreview, listLightingPresets } from '../../lighting/lighting-previews.js';
import type { Route } from '../http-app.js';

export const lightingRoutes: Route[] = [
  { method: 'GET', path: '/lighting', scope: 'read', handle: () => ({ data: listLightingPresets() }) },
  {
    method: 'GET',
    path: '/lighting/:name/preview.png',
    scope: 'read',
    handle: async ({ request, response, params, context }) => {
      const file = await lightingPreview(context, params.name);
      await sendFile(request, response, file, { contentType: 'image/png', etag: path.basename(file), immutable: false });
    },
  },
];
