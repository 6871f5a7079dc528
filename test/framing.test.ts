/**
 * Framing: any model — tall, wide, far off-centre and tiny — is centred and spans the
 * default `fill` of the frame in every aspect ratio, through the whole orbit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_FILL } from '../src/settings/camera-settings.js';
import { silhouette } from './helpers/image.js';
import { renderStills } from './helpers/studio.js';

const WHITE = [255, 255, 255];
const FRAMES_AROUND = [0, 45, 90, 135]; // of 180: 0°, 90°, 180°, 270° without easing

describe('framing', () => {
  for (const model of ['tall', 'wide', 'offcentre']) {
    for (const aspect of ['16:9', '1:1', '9:16'] as const) {
      test(`${model}.glb at ${aspect}: centred, inside the frame and filling it from every side`, async () => {
        const frames = await renderStills(`fixtures/generated/${model}.glb`, {
          settings: { aspect, shadows: false, easing: false },
          frames: FRAMES_AROUND,
        });
        const shares: number[] = [];
        for (const [index, image] of frames.entries()) {
          const shape = silhouette(image, WHITE, 30);
          const where = `${model} ${aspect} frame ${FRAMES_AROUND[index]}`;
          assert.ok(shape.count > 0, `${where}: model visible`);
          assert.ok(Math.abs(shape.centreX - 0.5) < 0.06, `${where}: horizontal centre ${shape.centreX.toFixed(3)}`);
          assert.ok(Math.abs(shape.centreY - 0.5) < 0.12, `${where}: vertical centre ${shape.centreY.toFixed(3)}`);
          assert.ok(shape.minX > 0 && shape.minY > 0 && shape.maxX < image.width - 1 && shape.maxY < image.height - 1, `${where}: not cut off`);
          shares.push(Math.max(shape.widthShare, shape.heightShare));
        }
        // The default fill: the silhouette spans that share of the frame at its widest (a
        // box is symmetric, so its widest azimuth is among the four rendered).
        const largest = Math.max(...shares);
        assert.ok(largest > DEFAULT_FILL - 0.05 && largest <= DEFAULT_FILL + 0.01, `${model} ${aspect}: fills ${largest.toFixed(3)} of the frame at its widest (fill ${DEFAULT_FILL})`);
      });
    }
  }
});
