/**
 * One dataset render inside a worker process: the model normalised into the dataset's
 * world frame, studio-lit with no floor or shadow, seen from evenly spread cameras; each
 * view rendered once (colour + coverage, supersampled) plus a depth pass (one sample per
 * pixel), encoded to PNGs on sharp's threads while the next view renders, and streamed
 * into dataset.zip, so at most two views are ever in memory. The README, camera files and
 * point cloud go in first (all known before rendering), then the poster's view, then the
 * others in order.
 */
import path from 'node:path';
import sharp from 'sharp';
import * as THREE from 'three';
import { WHITE_BACKGROUND, type DatasetPlan, type RenderPlan } from '../../src/render/render-plan.js';
import { RENDERBAY_VERSION } from '../../src/version.js';
import type { DatasetRenderResult, PosterFiles, RenderStage } from '../../src/render/worker-protocol.js';
import { FramePipeline } from '../frame-pipeline.js';
import { writePosters } from '../sinks/poster.js';
import { createLitScene, openModel } from '../studio.js';
import {
  cameraToWorldRows,
  CAMERA_DISTANCE,
  createDatasetCamera,
  FOV_Y_DEGREES,
  intrinsics,
  matrixRows,
  normaliseModel,
  placeDatasetCamera,
  toDatasetAxes,
  type NormalisedModel,
} from './dataset-frame.js';
import { DepthPass, MILLIMETRES_PER_UNIT } from './depth-pass.js';
import { fibonacciDirections } from './fibonacci-views.js';
import { encodePly } from './ply.js';
import { datasetReadme } from './readme.js';
import { sampleSurfacePoints, type SurfacePoints } from './surface-points.js';
import { blenderTransforms, formatJson, nerfstudioTransforms, POINT_CLOUD_FILE, splitViews, VIEW_FILES, type DatasetSplit, type DatasetView } from './transforms.js';
import { ZipSink } from './zip-sink.js';
import { renderTimings } from '../render-timings.js';

export type ProgressListener = (stage: RenderStage, viewsDone: number, viewsTotal: number) => void;

export const DATASET_FILE = 'dataset.zip';

/**
 * Dataset PNGs: zlib level 6 without adaptive row filtering. Filtering made 800² views
 * and depth maps 30–40% smaller but took three times as long to encode (10 → 33 ms for
 * an image, 6 → 20 ms for a depth map), and encoding shares the two cores with the
 * renderer.
 */
const PNG_OPTIONS = { compressionLevel: 6, adaptiveFiltering: false } as const;

/** The poster shows the view nearest to the turntable's opening shot: front, 15° up. */
const POSTER_DIRECTION = new THREE.Vector3(0, Math.sin(THREE.MathUtils.degToRad(15)), Math.cos(THREE.MathUtils.degToRad(15)));

const GENERATOR = `renderbay ${RENDERBAY_VERSION}`;

export async function renderDataset(
  plan: RenderPlan,
  onProgress: ProgressListener,
  onPoster?: (files: PosterFiles, variant: number) => void,
): Promise<DatasetRenderResult> {
  const dataset = plan.dataset;
  if (!dataset) throw new Error('renderDataset needs a dataset plan');
  const { views, size } = dataset;
  const started = performance.now();
  const { gl, root } = await openModel(plan, (stage) => onProgress(stage, 0, views));
  const { renderer } = gl;
  let pipeline: FramePipeline | null = null;
  let depthPass: DepthPass | null = null;
  let lighting: { dispose(): void } | null = null;
  let zip: ZipSink | null = null;
  let posters: Promise<PosterFiles> | null = null;
  try {
    const model = normaliseModel(root);
    const lit = createLitScene(renderer, model.group, 1);
    lighting = lit.lighting;
    const { scene } = lit;
    const camera = createDatasetCamera(size, size);
    pipeline = await FramePipeline.create(renderer, { width: size, height: size, antialiasing: plan.antialiasing, layers: [{ background: WHITE_BACKGROUND, foreground: [] }], keepAlpha: true });
    depthPass = new DepthPass(renderer, size, size);

    const directions = fibonacciDirections(views, dataset.coverage);
    const posed: DatasetView[] = directions.map((direction, index) => {
      placeDatasetCamera(camera, direction);
      return { index, cameraToWorld: cameraToWorldRows(camera), split: index % dataset.testEvery === 0 ? 'test' : 'train' };
    });
    const split = splitViews(posed);
    const posterIndex = directions.reduce((best, direction, index) => (direction.dot(POSTER_DIRECTION) > directions[best].dot(POSTER_DIRECTION) ? index : best), 0);
    placeDatasetCamera(camera, directions[0]);
    renderer.compile(scene, camera);

    const points = sampleSurfacePoints(model.group, { count: dataset.pointCount });
    zip = new ZipSink(path.join(plan.workDirectory, DATASET_FILE));
    await writeMetadata(zip, plan, dataset, model, posed, split, points, pipeline.supersample);
    const prepared = performance.now();

    onProgress('rendering', 0, views);
    // Two sets of readback buffers, alternating: view i renders into one while view i − 1
    // encodes from the other. (Fresh arrays per view are external memory the GC returns
    // late: at 2048² that is 24 MB a view.)
    const buffers = [0, 1].map(() => ({ pixels: new Uint8Array(size * size * 4), depth: new Uint16Array(size * size) }));
    // The poster's view goes first, so the poster is ready early (as a video's first frame is).
    const order = [posterIndex, ...directions.keys()].filter((view, position) => position === 0 || view !== posterIndex);
    type EncodedView = { index: number; files: Promise<Buffer[]> };
    let previous: EncodedView | null = null;
    for (let step = 0; step <= views; step++) {
      let current: EncodedView | null = null;
      if (step < views) {
        const index = order[step];
        placeDatasetCamera(camera, directions[index]);
        // Free: the view that used this set last (two steps ago) was zipped in the previous step.
        const buffer = buffers[step % 2];
        const pixels = pipeline.renderFrame(scene, camera, null, buffer.pixels);
        const depth = depthPass.render(scene, camera, buffer.depth);
        current = { index, files: encodeView(pixels, depth, size) };
        current.files.catch(() => {}); // awaited below; never an unhandled rejection if a later view fails first
        if (index === posterIndex) {
          posters = writePosters(pixels, size, size, plan.workDirectory); // copies the pixels before it returns: the buffer is reused
          posters.then((files) => onPoster?.(files, 0)).catch(() => {}); // awaited below
        }
      }
      // The previous view encoded while this one rendered; into the zip it goes.
      if (previous) {
        const [image, mask, depth] = await previous.files;
        await zip.add(VIEW_FILES.image(previous.index), image);
        await zip.add(VIEW_FILES.mask(previous.index), mask);
        await zip.add(VIEW_FILES.depth(previous.index), depth);
        onProgress('rendering', step, views);
      }
      previous = current;
    }
    const rendered = performance.now();
    onProgress('encoding', views, views);
    const zipBytes = await zip.finish();
    const posterFiles = await posters!;
    const finished = performance.now();
    return {
      output: 'dataset',
      files: { dataset: zip.path, ...posterFiles },
      width: size,
      height: size,
      frameCount: views,
      fps: 0,
      durationSeconds: 0,
      timings: renderTimings({ started, prepared, rendered, finished }, views),
      dataset: {
        quality: dataset.quality,
        coverage: dataset.coverage,
        views,
        trainViews: split.train.length,
        testViews: split.test.length,
        points: points.count,
        scale: model.scale,
        zipBytes,
      },
    };
  } catch (error) {
    zip?.abort();
    await posters?.catch(() => {});
    throw error;
  } finally {
    depthPass?.dispose();
    pipeline?.dispose();
    lighting?.dispose();
    gl.dispose();
  }
}

/** PNGs of one view: image (RGB on white), mask (coverage) and depth (16-bit millimetres), rows top-down. */
function encodeView(rgbaBottomUp: Uint8Array, depth: Uint16Array, size: number): Promise<Buffer[]> {
  const pixels = Buffer.from(rgbaBottomUp.buffer, rgbaBottomUp.byteOffset, rgbaBottomUp.byteLength);
  const upright = sharp(pixels, { raw: { width: size, height: size, channels: 4 } }).flip();
  return Promise.all([
    upright.clone().removeAlpha().png(PNG_OPTIONS).toBuffer(),
    upright.clone().extractChannel(3).png(PNG_OPTIONS).toBuffer(),
    sharp(depth, { raw: { width: size, height: size, channels: 1 } }).toColourspace('grey16').png(PNG_OPTIONS).toBuffer(),
  ]);
}

/** README, camera files and the point cloud: everything known before the first view renders. */
async function writeMetadata(
  zip: ZipSink,
  plan: RenderPlan,
  dataset: DatasetPlan,
  model: NormalisedModel,
  views: DatasetView[],
  split: DatasetSplit,
  points: SurfacePoints,
  /** The pipeline's own factor (what was rendered, after fitting the GL limits). */
  supersample: number,
): Promise<void> {
  const camera = intrinsics(dataset.size, dataset.size);
  const modelName = path.basename(plan.modelPath);
  const offset: [number, number, number] = [model.offset.x, model.offset.y, model.offset.z];
  const { train, test } = split;
  const renderbay = {
    generator: GENERATOR,
    model: modelName,
    datasetQuality: dataset.quality,
    coverage: dataset.coverage,
    views: dataset.views,
    testEvery: dataset.testEvery,
    worldUp: [0, 0, 1],
    scale: model.scale,
    offset,
    modelToWorld: matrixRows(model.modelToWorld),
    worldToModel: matrixRows(model.modelToWorld.clone().invert()),
    modelBoundingRadius: model.radius,
    cameraDistance: CAMERA_DISTANCE,
    fovYDegrees: FOV_Y_DEGREES,
    pixelCentre: 0.5,
    depth: { kind: 'z', unit: 'millimetre', scaleToMetres: 1 / MILLIMETRES_PER_UNIT, background: 0 },
    images: { background: '#ffffff', supersample },
    masks: { kind: 'coverage', object: 255, background: 0 },
  };
  const readme = datasetReadme({
    modelName,
    quality: dataset.quality,
    coverage: dataset.coverage,
    views: dataset.views,
    trainViews: train.length,
    testViews: test.length,
    testEvery: dataset.testEvery,
    camera,
    points: points.count,
    scale: model.scale,
    offset,
    supersample,
    generator: GENERATOR,
  });
  await zip.add('README.txt', Buffer.from(readme));
  await zip.add('transforms.json', formatJson(nerfstudioTransforms(views, split, camera, renderbay)));
  await zip.add('transforms_train.json', formatJson(blenderTransforms(train, camera)));
  await zip.add('transforms_val.json', formatJson(blenderTransforms(test, camera)));
  await zip.add('transforms_test.json', formatJson(blenderTransforms(test, camera)));
  await zip.add(POINT_CLOUD_FILE, encodePly(toDatasetAxes(points), [`${points.count} points sampled on the surface of ${modelName} by ${GENERATOR}`, 'same world frame as transforms.json (Z up)']));
}
