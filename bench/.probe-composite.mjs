import { ensureDisplay } from '../dist/renderer/display.js';
import { Studio } from '../dist/renderer/studio.js';
import { planRender } from '../dist/src/render/render-plan.js';
import { parseRenderSettings } from '../dist/src/settings/render-settings.js';
process.env.DISPLAY = await ensureDisplay();
const model = '../shared/assets/models/DamagedHelmet/glTF-Binary/DamagedHelmet.glb';
const vs = [{ bgColor: '#ffffff' }, { bgColor: '#10141c', vignette: 0.6 }, { bgColor: '#d8c8b0' }].map((b) => parseRenderSettings({ quality: 'standard', ...b }));
const plan = planRender(vs[0], model, '/tmp/x', { variantSettings: vs });
const studio = await Studio.open(plan);
const buf = new Uint8Array(plan.width * plan.height * 4);
let tScene = 0, tComp = [0, 0, 0];
for (let i = 0; i < 25; i++) {
  const a = performance.now(); studio.renderScene(i); 
  // force finish by reading 1 pixel? composite includes readPixels which syncs
  const b = performance.now();
  for (let v = 0; v < 3; v++) { const c = performance.now(); studio.composite(v, buf); tComp[v] += performance.now() - c; }
  if (i >= 5) tScene += b - a;
}
console.log('scene (no sync) ms', (tScene / 20).toFixed(1), 'composites ms', tComp.map((t) => (t / 25).toFixed(1)).join(' '));
studio.dispose();
process.exit(0);
