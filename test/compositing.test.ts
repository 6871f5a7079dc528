/**
 * Compositing, checked on real renders (one scene render, composited once per variant):
 * background image cover-crop at each bgAlign anchor, foreground overlays over the model,
 * and the vignette. Frames are share quality (960×540 and 540×960), read back before any
 * encoding, so expected colours are exact.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { vignetteFactor } from '../renderer/post/vignette.js';
import type { OverlayImage } from '../src/render/render-plan.js';
import { ALIGNMENTS, type Alignment, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { QUADRANT_COLOURS } from '../scripts/fixtures/textures.js';
import { colourDistance, hexColour, pixelAt, type RawImage } from './helpers/media.js';
import { renderVariantStills } from './helpers/studio.js';

const MODEL = 'fixtures/generated/textured-cube.glb';
const fixture = (file: string) => path.resolve('fixtures/generated', file);
/** No contact shadow: background pixels near the bottom edge must be the image's own. */
const BASE: RenderSettingsInput = { quality: 'share', shadows: false, bgColor: '#202020' };

type Quadrant = keyof typeof QUADRANT_COLOURS;

/**
 * The quadrant of the background image that frame pixel (x, y) shows, worked out from the
 * definition of cover + anchor: uniform scale so both sides cover the frame, then the
 * overhang cut off on the side(s) away from the anchor (half each side when centred).
 */
function expectedQuadrant(alignment: Alignment, image: { width: number; height: number }, frame: { width: number; height: number }, x: number, y: number): Quadrant | null {
  const scale = Math.max(frame.width / image.width, frame.height / image.height);
  const scaled = { width: image.width * scale, height: image.height * scale };
  const [vertical, horizontal] = alignment === 'center' ? ['center', 'center'] : alignment.split('-');
  const shift = (where: string, start: string, overhang: number) => (where === start ? 0 : where === 'center' ? overhang / 2 : overhang);
  const imageX = x + 0.5 + shift(horizontal!, 'left', scaled.width - frame.width);
  const imageY = y + 0.5 + shift(vertical!, 'top', scaled.height - frame.height);
  // Too close to the quadrant boundary to call (resampling blends a pixel or two there).
  if (Math.abs(imageX - scaled.width / 2) < 3 || Math.abs(imageY - scaled.height / 2) < 3) return null;
  const top = imageY < scaled.height / 2;
  const left = imageX < scaled.width / 2;
  return top ? (left ? 'topLeft' : 'topRight') : left ? 'bottomLeft' : 'bottomRight';
}

/** Points along the four frame edges (3 px in), where the model never is. */
function edgePoints(width: number, height: number): [number, number][] {
  const points: [number, number][] = [];
  for (let step = 0; step <= 10; step++) {
    const x = Math.min(width - 4, Math.max(3, Math.round((width * step) / 10)));
    const y = Math.min(height - 4, Math.max(3, Math.round((height * step) / 10)));
    points.push([x, 3], [x, height - 4], [3, y], [width - 4, y]);
  }
  return points;
}

for (const [aspect, file, image] of [
  ['16:9', 'overlay-quadrants-tall.png', { width: 1200, height: 2400 }],
  ['9:16', 'overlay-quadrants-wide.png', { width: 2400, height: 1200 }],
] as const) {
  describe(`background image ${image.width}×${image.height} on a ${aspect} frame: cover-scaled and cropped at each bgAlign`, () => {
    let images: RawImage[];
    before(async () => {
      const variants = ALIGNMENTS.map((bgAlign) => ({ ...BASE, aspect, bgImageId: 'quadrants', bgAlign }));
      ({ onBackground: images } = await renderVariantStills(MODEL, variants, { quadrants: { path: fixture(file), alignment: 'top-left' } }));
    });

    for (const [index, alignment] of ALIGNMENTS.entries()) {
      test(`bgAlign ${alignment}`, () => {
        const frame = images[index]!;
        const seen = new Set<Quadrant>();
        for (const [x, y] of edgePoints(frame.width, frame.height)) {
          const quadrant = expectedQuadrant(alignment, image, frame, x, y);
          if (!quadrant) continue;
          seen.add(quadrant);
          const actual = pixelAt(frame, x, y);
          assert.ok(colourDistance(actual, QUADRANT_COLOURS[quadrant]) <= 1, `(${x}, ${y}) should show the ${quadrant} quadrant ${QUADRANT_COLOURS[quadrant]}, got ${actual}`);
        }
        assert.ok(seen.size >= 2, 'the sample points cover at least two quadrants');
      });
    }

    test('the anchors crop differently (the image is really cropped, not squeezed)', () => {
      const corner = (frame: RawImage) => pixelAt(frame, 3, 3).slice(0, 3).join();
      const cornerColours = new Set(images.map(corner));
      assert.ok(cornerColours.size >= 2, `top-left corners: ${[...cornerColours].join(' | ')}`);
    });
  });
}

describe('foreground overlays (logos authored for a 1080-pixel short side)', () => {
  const overlays: Record<string, OverlayImage> = {
    opaqueCentre: { path: fixture('overlay-logo-opaque.png'), alignment: 'center' },
    translucentCentre: { path: fixture('overlay-logo-translucent.png'), alignment: 'center' },
    opaqueTopLeft: { path: fixture('overlay-logo-opaque.png'), alignment: 'top-left' },
  };
  const LOGO = [255, 0, 255];
  const TRANSLUCENT = { colour: [0, 255, 255], alpha: 128 / 255 };
  // 400×400 authored for 1080 → 200×200 on a 540-pixel short side; centred at (380, 170).
  const centre = { left: 380, top: 170, size: 200 };
  let plain: RawImage, opaque: RawImage, translucent: RawImage, stacked: RawImage;

  before(async () => {
    const { onBackground } = await renderVariantStills(
      MODEL,
      [BASE, { ...BASE, foregroundIds: ['opaqueCentre'] }, { ...BASE, foregroundIds: ['translucentCentre'] }, { ...BASE, foregroundIds: ['opaqueTopLeft', 'translucentCentre'] }],
      overlays,
    );
    [plain, opaque, translucent, stacked] = onBackground as [RawImage, RawImage, RawImage, RawImage];
  });

  test('the model is under the logo position in the plain render', () => {
    assert.ok(colourDistance(pixelAt(plain, 480, 270), hexColour('#202020')) > 20, `centre ${pixelAt(plain, 480, 270)}`);
  });

  test('an opaque logo covers the model exactly within its scaled rectangle, and nothing else changes', () => {
    for (const [x, y] of [[centre.left, centre.top], [480, 270], [centre.left + centre.size - 1, centre.top + centre.size - 1]]) {
      assert.deepEqual(pixelAt(opaque, x!, y!).slice(0, 3), LOGO, `(${x}, ${y})`);
    }
    for (const [x, y] of [[centre.left - 1, 270], [centre.left + centre.size, 270], [480, centre.top - 1], [480, centre.top + centre.size], [3, 3], [956, 536]]) {
      assert.deepEqual(pixelAt(opaque, x!, y!), pixelAt(plain, x!, y!), `(${x}, ${y}) is outside the logo`);
    }
  });

  test('a translucent logo is composited "over" the model in display space', () => {
    for (const [x, y] of [[480, 270], [centre.left + 5, centre.top + 5], [centre.left + 150, centre.top + 120]]) {
      const under = pixelAt(plain, x!, y!);
      const expected = TRANSLUCENT.colour.map((channel, index) => channel * TRANSLUCENT.alpha + under[index]! * (1 - TRANSLUCENT.alpha));
      assert.ok(colourDistance(pixelAt(translucent, x!, y!), expected) <= 2, `(${x}, ${y}): expected ${expected.map(Math.round)}, got ${pixelAt(translucent, x!, y!)}`);
    }
  });

  test('overlays stack in order, each at its own alignment', () => {
    assert.deepEqual(pixelAt(stacked, 0, 0).slice(0, 3), LOGO, 'top-left logo at the corner');
    assert.deepEqual(pixelAt(stacked, 199, 199).slice(0, 3), LOGO);
    assert.deepEqual(pixelAt(stacked, 200, 200), pixelAt(plain, 200, 200), 'the top-left logo is 200 px wide');
    assert.deepEqual(pixelAt(stacked, 480, 270), pixelAt(translucent, 480, 270), 'the translucent logo on top in the centre');
  });
});

describe('vignette', () => {
  const GREY = '#c0c0c0';
  let none: RawImage, half: RawImage, full: RawImage;
  before(async () => {
    const { onBackground } = await renderVariantStills(MODEL, [0, 0.5, 1].map((vignette) => ({ ...BASE, bgColor: GREY, vignette })));
    [none, half, full] = onBackground as [RawImage, RawImage, RawImage];
  });

  test('vignette 0 is a no-op: every edge pixel is exactly the background colour', () => {
    for (const [x, y] of edgePoints(none.width, none.height)) assert.deepEqual(pixelAt(none, x, y).slice(0, 3), hexColour(GREY), `(${x}, ${y})`);
  });

  test('corners darken with strength, following the documented curve', () => {
    const [x, y] = [0, 0];
    const expected = (strength: number) => 192 * vignetteFactor((x + 0.5) / 960, (y + 0.5) / 540, strength);
    const halfCorner = pixelAt(half, x, y)[0]!;
    const fullCorner = pixelAt(full, x, y)[0]!;
    assert.ok(Math.abs(halfCorner - expected(0.5)) <= 1.5, `half: ${halfCorner} vs ${expected(0.5)}`);
    assert.ok(Math.abs(fullCorner - expected(1)) <= 1.5, `full: ${fullCorner} vs ${expected(1)}`);
    assert.ok(fullCorner < halfCorner && halfCorner < 192 - 40, `${fullCorner} < ${halfCorner} < 152`);
    const edgeMiddle = pixelAt(full, 480, 3)[0]!;
    assert.ok(edgeMiddle > fullCorner && edgeMiddle < 192, `edge middle ${edgeMiddle} is darkened less than the corner ${fullCorner}`);
  });

  test('the centre of the frame (model included) is unchanged', () => {
    for (let y = 200; y < 340; y += 7) {
      for (let x = 380; x < 580; x += 7) {
        assert.deepEqual(pixelAt(full, x, y), pixelAt(none, x, y), `(${x}, ${y})`);
      }
    }
  });
});

describe('foreground overlays on the transparent (ProRes) layer', () => {
  test('a logo is drawn over the transparent master with its own alpha; elsewhere the background stays transparent', async () => {
    const overlays: Record<string, OverlayImage> = {
      opaqueTopLeft: { path: fixture('overlay-logo-opaque.png'), alignment: 'top-left' },
      translucentTopRight: { path: fixture('overlay-logo-translucent.png'), alignment: 'top-right' },
    };
    const { onBackground, transparent } = await renderVariantStills(
      MODEL,
      [{ quality: 'pro', aspect: '1:1', bgColor: '#204060', foregroundIds: ['opaqueTopLeft', 'translucentTopRight'] }],
      overlays,
    );
    const [master] = transparent as [RawImage];
    const [composite] = onBackground as [RawImage];
    // 400×400 logos authored for 1080 → 800×800 on a 2160 frame.
    assert.deepEqual(pixelAt(master, 100, 100), [255, 0, 255, 255], 'opaque logo: opaque in the master');
    const translucent = pixelAt(master, 2160 - 100, 100);
    assert.ok(Math.abs(translucent[3]! - 128) <= 2, `translucent logo over nothing keeps its alpha: ${translucent}`);
    assert.ok(colourDistance(translucent, [0, 255, 255]) < 6, `and its straight colour: ${translucent}`);
    assert.equal(pixelAt(master, 100, 2160 - 100)[3], 0, 'no logo: transparent');
    assert.ok(colourDistance(pixelAt(composite, 100, 2160 - 100), hexColour('#204060')) < 3, 'the web/poster layer shows the background there');
  });
});
