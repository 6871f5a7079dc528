/**
 * Which pending renders share a rendering pass (the job engine's claim uses this): the
 * same model's renders that differ only in background become variants, identical ones
 * share a variant, anything else waits for its own pass, and the tier caps the variants.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupPass, MAX_VARIANTS_PER_PASS, type PendingRender } from '../src/jobs/render-pass.js';
import { parseRenderSettings, type RenderSettingsInput } from '../src/settings/render-settings.js';

let next = 0;
const pending = (input: RenderSettingsInput): PendingRender => ({ id: `r${++next}`, settings: JSON.stringify(parseRenderSettings(input)) });

describe('render passes', () => {
  test('background differences become variants; identical settings share one; other differences are left out', () => {
    const first = pending({ quality: 'standard', bgColor: '#000000' });
    const same = { ...pending({ quality: 'standard', bgColor: '#000000' }) };
    const image = pending({ quality: 'standard', bgImageId: 'ovl', bgAlign: 'center', vignette: 0.4 });
    const logo = pending({ quality: 'standard', foregroundIds: ['logo'] });
    const turned = pending({ quality: 'standard', bgColor: '#000000', rotateY: 30 });
    const share = pending({ quality: 'share', bgColor: '#000000' });
    const dataset = pending({ output: 'dataset' });
    const variants = groupPass(first, [first, same, turned, image, share, logo, dataset]);
    assert.deepEqual(
      variants.map((variant) => variant.renderIds),
      [[first.id, same.id], [image.id], [logo.id]],
    );
    assert.equal(variants[1].settings.bgImageId, 'ovl');
  });

  test('the tier caps the variants of one pass; the rest wait (but identical settings always join)', () => {
    const colours = Array.from({ length: 5 }, (_, index) => pending({ quality: 'standard', bgColor: `#00000${index}` }));
    const repeat = pending({ quality: 'standard', bgColor: '#000001' });
    const variants = groupPass(colours[0], [...colours, repeat]);
    assert.equal(variants.length, MAX_VARIANTS_PER_PASS.standard);
    assert.deepEqual(
      variants.map((variant) => variant.renderIds),
      [[colours[0].id], [colours[1].id, repeat.id], [colours[2].id]],
      'colours 4 and 5 wait; the repeat of colour 2 joins its variant after the cap',
    );
    const fourK = [pending({ quality: '4k' }), pending({ quality: '4k', bgColor: '#000000' })];
    assert.equal(groupPass(fourK[0], fourK).length, MAX_VARIANTS_PER_PASS['4k']);
  });

  test('datasets never take variants, but identical datasets share a pass', () => {
    const dataset = pending({ output: 'dataset' });
    const twin = pending({ output: 'dataset' });
    const video = pending({});
    assert.deepEqual(groupPass(dataset, [dataset, twin, video]).map((variant) => variant.renderIds), [[dataset.id, twin.id]]);
  });
});
