/**
 * The look and the camera settings, on rendered pixels: background colour, ground
 * shadow, reflective floor, zoom, start angle, easing, and every kind of model the
 * loader must handle.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RawImage } from './helpers/media.js';
import { pixelAt } from './helpers/media.js';
import { meanChroma, meanDifference, silhouette } from './helpers/image.js';
import { renderStill, renderStills } from './helpers/studio.js';

const CUBE = 'fixtures/generated/textured-cube.glb';
const WHITE = [255, 255, 255];

function luminanceAt(image: RawImage, pixel: number): number {
  const offset = pixel * image.channels;
  return 0.2126 * image.data[offset] + 0.7152 * image.data[offset + 1] + 0.0722 * image.data[offset + 2];
}

describe('look', () => {
  test('bgColor fills every background pixel exactly', async () => {
    const image = await renderStill(CUBE, { settings: { bgColor: '#336699', shadows: false, aspect: '1:1' } });
    assert.equal(image.width, 540);
    for (const [x, y] of [[0, 0], [539, 0], [0, 539], [539, 539], [270, 5]]) assert.deepEqual(pixelAt(image, x, y).slice(0, 3), [0x33, 0x66, 0x99]);
  });

  test('shadows darken the floor under the model, and only there', async () => {
    const [withShadow, withoutShadow] = await Promise.all([
      renderStill(CUBE, { settings: { shadows: true } }),
      renderStill(CUBE, { settings: { shadows: false } }),
    ]);
    const model = silhouette(withoutShadow, WHITE, 30);
    let darkened = 0;
    let darkenedBelowCentre = 0;
    let darkenedFarAway = 0;
    for (let pixel = 0; pixel < withShadow.width * withShadow.height; pixel++) {
      if (luminanceAt(withoutShadow, pixel) - luminanceAt(withShadow, pixel) <= 4) continue;
      darkened++;
      const y = Math.floor(pixel / withShadow.width);
      const x = pixel % withShadow.width;
      if (y > (model.minY + model.maxY) / 2) darkenedBelowCentre++;
      if (y < model.minY || x < model.minX - 150 || x > model.maxX + 150) darkenedFarAway++;
    }
    assert.ok(darkened > 2000, `shadow pixels: ${darkened}`);
    assert.ok(darkenedBelowCentre / darkened > 0.95, 'the shadow lies on the floor, below the model');
    assert.equal(darkenedFarAway, 0, 'no shadow above the model or far from it');
  });

  test('the reflector mirrors the model on the floor below it', async () => {
    const [mirrored, plain] = await Promise.all([
      renderStill(CUBE, { settings: { reflector: true, shadows: false } }),
      renderStill(CUBE, { settings: { reflector: false, shadows: false } }),
    ]);
    const model = silhouette(plain, WHITE, 30);
    const band = { y: model.maxY + 4, height: 30 };
    const halfWidth = Math.floor((model.maxX - model.minX) / 2) - 10;
    const left = { x: model.minX + 5, width: halfWidth };
    const right = { x: model.maxX - 5 - halfWidth, width: halfWidth };
    assert.ok(meanChroma(plain, left.x, band.y, halfWidth * 2, band.height) < 3, 'no colour below the model without the reflector');
    assert.ok(meanChroma(mirrored, left.x, band.y, halfWidth * 2, band.height) > 10, 'the reflection brings the model colours below it');
    // The cube's lower front row is blue (left) and yellow (right); its mirror image repeats that order.
    const colour = (area: { x: number; width: number }) => {
      let red = 0;
      let blue = 0;
      for (let y = band.y; y < band.y + band.height; y++) {
        for (let x = area.x; x < area.x + area.width; x++) {
          red += mirrored.data[(y * mirrored.width + x) * 4];
          blue += mirrored.data[(y * mirrored.width + x) * 4 + 2];
        }
      }
      return { red, blue };
    };
    assert.ok(colour(left).blue > colour(left).red, 'blue reflected under the blue face');
    assert.ok(colour(right).red > colour(right).blue, 'yellow reflected under the yellow face');
  });

  test('zoom 2 doubles the camera distance: the model looks smaller', async () => {
    const [near, far] = await Promise.all([
      renderStill(CUBE, { settings: { zoom: 1, shadows: false } }),
      renderStill(CUBE, { settings: { zoom: 2, shadows: false } }),
    ]);
    const ratio = silhouette(far, WHITE, 30).heightShare / silhouette(near, WHITE, 30).heightShare;
    assert.ok(ratio > 0.42 && ratio < 0.6, `height ratio ${ratio.toFixed(2)}`);
  });

  test('rotateY 90 starts where rotateY 0 is a quarter of the way round', async () => {
    const [turned] = await renderStills(CUBE, { settings: { rotateY: 90, easing: false, shadows: false } });
    const [, quarter] = await renderStills(CUBE, { settings: { rotateY: 0, easing: false, shadows: false }, frames: [0, 45] });
    assert.ok(meanDifference(turned, quarter) < 0.5, `difference ${meanDifference(turned, quarter).toFixed(2)}`);
  });

  test('easing starts slowly and is fastest mid-turn; without easing the speed is constant', async () => {
    const eased = await renderStills(CUBE, { settings: { shadows: false }, frames: [0, 1, 89, 90] });
    const linear = await renderStills(CUBE, { settings: { shadows: false, easing: false }, frames: [0, 1, 89, 90] });
    const easedStart = meanDifference(eased[0], eased[1]);
    const easedMiddle = meanDifference(eased[2], eased[3]);
    const linearStart = meanDifference(linear[0], linear[1]);
    const linearMiddle = meanDifference(linear[2], linear[3]);
    assert.ok(easedStart < easedMiddle / 10, `eased: start ${easedStart.toFixed(3)} vs middle ${easedMiddle.toFixed(3)}`);
    assert.ok(linearStart > linearMiddle * 0.5 && linearStart < linearMiddle * 2, `linear: ${linearStart.toFixed(3)} vs ${linearMiddle.toFixed(3)}`);
  });
});

describe('models the loader must handle', () => {
  const visible = (image: RawImage) => silhouette(image, WHITE, 30).count / (image.width * image.height);

  for (const model of ['draco.glb', 'meshopt.glb', 'selfcontained.gltf', 'textured-npot.glb']) {
    test(`${model} renders`, async () => {
      const image = await renderStill(`fixtures/generated/${model}`, { settings: { shadows: false } });
      assert.ok(visible(image) > 0.05, `${model} covers ${(visible(image) * 100).toFixed(1)}% of the frame`);
    });
  }

  test('textures keep their colours (sRGB decoded once): the quadrant colours are recognisable', async () => {
    const image = await renderStill(CUBE, { settings: { shadows: false } });
    const shape = silhouette(image, WHITE, 30);
    const sample = (fx: number, fy: number) => pixelAt(image, Math.round(shape.minX + fx * (shape.maxX - shape.minX)), Math.round(shape.minY + fy * (shape.maxY - shape.minY)));
    const [red, green, blue] = [sample(0.25, 0.3), sample(0.75, 0.3), sample(0.25, 0.75)];
    assert.ok(red[0] > red[1] + 80 && red[0] > red[2] + 80, `red quadrant ${red}`);
    assert.ok(green[1] > green[0] + 40 && green[1] > green[2] + 80, `green quadrant ${green}`);
    assert.ok(blue[2] > blue[0] + 80 && blue[2] > blue[1] + 80, `blue quadrant ${blue}`);
  });

  test('vertex colours are applied (red top, blue bottom)', async () => {
    const image = await renderStill('fixtures/generated/vertex-colours.glb', { settings: { shadows: false } });
    const shape = silhouette(image, WHITE, 30);
    const height = shape.maxY - shape.minY;
    const top = pixelAt(image, Math.round((shape.minX + shape.maxX) / 2), shape.minY + Math.round(height * 0.3));
    const bottom = pixelAt(image, Math.round((shape.minX + shape.maxX) / 2), shape.maxY - Math.round(height * 0.1));
    assert.ok(top[0] > top[2] + 40, `top ${top}`);
    assert.ok(bottom[2] > bottom[0] + 40, `bottom ${bottom}`);
  });

  test('a skinned mesh and a morphed mesh both render at rest pose', async () => {
    const image = await renderStill('fixtures/generated/skinned-morph.glb', { settings: { shadows: false } });
    // Two separate objects side by side: the silhouette's columns form two runs.
    const columns: boolean[] = [];
    for (let x = 0; x < image.width; x++) {
      let occupied = false;
      for (let y = 0; y < image.height && !occupied; y++) {
        const [r, g, b] = pixelAt(image, x, y);
        occupied = Math.max(Math.abs(r - 255), Math.abs(g - 255), Math.abs(b - 255)) > 30;
      }
      columns.push(occupied);
    }
    const runs = columns.filter((occupied, x) => occupied && !columns[x - 1]).length;
    assert.equal(runs, 2, 'both meshes are visible');
  });
});
