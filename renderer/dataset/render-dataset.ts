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
import { AlbedoPass } from './albedo-pass.js';
import { COLMAP_FILES, colmapImageName, PointTracks } from './colmap.js';
import { DepthPass, MILLIMETRES_PER_UNIT } from './depth-pass.js';
import { encodeFloatExr } from './exr.js';
import { fibonacciDirections } from './fibonacci-views.js';
import { encodePly } from './ply.js';
import { datasetReadme } from './readme.js';
import { sampleSurfacePoints, type SurfacePoints } from './surface-points.js';
import { blenderTransforms, formatJson, INVERSE_DEPTH_SCALE, nerfstudioTransforms, POINT_CLOUD_FILE, splitViews, VIEW_FILES, type DatasetSplit, type DatasetView } from './transforms.js';
import type { DatasetPass } from '../../src/settings/dataset-settings.js';
import { ZipSink } from './zip-sink.js';
import { renderTimings } from '../render-timings.js';

export type ProgressListener = (stage: RenderStage, viewsDone: number, viewsTotal: number) => void;

export const DATASET_FILE = 'dataset.zip';

/**
 * Dataset PNGs: zlib level 3 without adaptive row filtering. Filtering made 800² views
 * and depth maps 30–40% smaller but took three times as long to encode (10 → 33 ms for
 * an image, 6 → 20 ms for a depth map), and encoding shares the two cores with the
 * renderer. Level 3 instead of 6 takes a quarter less CPU for a view's four PNGs (31 → 23
 * ms at 800², sharp's zlib-ng) for files 2% larger.
 */
const PNG_OPTIONS = { compressionLevel: 3, adaptiveFiltering: false } as const;

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
  let albedoPass: AlbedoPass | null = null;
  let lighting: { dispose(): void } | null = null;
  let zip: ZipSink | null = null;
  let posters: Promise<PosterFiles> | null = null;
  try {
    const model = normaliseModel(root);
    const lit = createLitScene(renderer, model.group, 1);
    lighting = lit.lighting;
    const { scene } = lit;
    const camera = createDatasetCamera(size, size);
    const passes = new Set(dataset.passes);
    // Layer 0: the dataset image, straight RGBA (every trainer composites it onto its own
    // background); layer 1, for the images-white pass only: the same frame on white. A
    // second layer makes the pipeline resolve the supersampling into its own pass first
    // (frame-pipeline.ts), which one layer does not need; the poster is composited onto
    // white here instead.
    pipeline = await FramePipeline.create(renderer, {
      width: size,
      height: size,
      antialiasing: plan.antialiasing,
      layers: [{ background: null, foreground: [] }, ...(passes.has('images-white') ? [{ background: WHITE_BACKGROUND, foreground: [] }] : [])],
    });
    depthPass = new DepthPass(renderer, size, size);
    albedoPass = passes.has('albedo') ? new AlbedoPass(renderer, size, size) : null;

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
    const worldPoints = toDatasetAxes(points);
    const tracks = new PointTracks(worldPoints, intrinsics(size, size));
    zip = new ZipSink(path.join(plan.workDirectory, DATASET_FILE));
    await writeMetadata(zip, plan, dataset, model, posed, split, worldPoints, pipeline.supersample);
    const prepared = performance.now();

    onProgress('rendering', 0, views);
    // Two sets of the buffers sharp reads, alternating: view i renders into one while view
    // i − 1 encodes from the other. (Fresh arrays per view are external memory the GC
    // returns late: at 2048² that is 24 MB a view, 90 MB with every pass.) The float
    // readbacks are read only before encodeView returns (tracks, the EXR, the 16-bit
    // conversions), so one set of those serves every view: 134 MB less at 2048² with every pass.
    const floats = {
      metres: new Float32Array(size * size),
      normals: passes.has('normals') ? new Float32Array(size * size * 3) : undefined,
      albedo: passes.has('albedo') ? new Float32Array(size * size * 4) : undefined,
    };
    const buffers = [0, 1].map(() => ({
      pixels: new Uint8Array(size * size * 4),
      onWhite: passes.has('images-white') ? new Uint8Array(size * size * 4) : undefined,
      depth: new Uint16Array(size * size),
      encoded: {
        inverseDepth: new Uint16Array(size * size),
        normals: passes.has('normals') ? new Uint16Array(size * size * 3) : undefined,
        albedo: passes.has('albedo') ? new Uint16Array(size * size * 4) : undefined,
      },
    }));
    // The poster's view goes first, so the poster is ready early (as a video's first frame is).
    const order = [posterIndex, ...directions.keys()].filter((view, position) => position === 0 || view !== posterIndex);
    type EncodedView = { index: number; files: Promise<ViewFile[]> };
    let previous: EncodedView | null = null;
    for (let step = 0; step <= views; step++) {
      let current: EncodedView | null = null;
      if (step < views) {
        const index = order[step];
        placeDatasetCamera(camera, directions[index]);
        // Free: the view that used this set last (two steps ago) was zipped in the previous step.
        const buffer = buffers[step % 2];
        const pixels = pipeline.renderFrame(scene, camera, null, buffer.pixels);
        const onWhite = buffer.onWhite && pipeline.composite(1, buffer.onWhite);
        const depth = depthPass.render(scene, camera, buffer.depth, { metres: floats.metres, normals: floats.normals });
        const albedo = albedoPass?.render(scene, camera, floats.albedo);
        tracks.observe(index, posed[index].cameraToWorld, floats.metres);
        current = { index, files: encodeView({ pixels, onWhite, depth, metres: floats.metres, normals: floats.normals, albedo }, buffer.encoded, size, passes) };
        current.files.catch(() => {}); // awaited below; never an unhandled rejection if a later view fails first
        if (index === posterIndex) {
          posters = writePosters(onWhite ?? straightOnWhite(pixels), size, size, plan.workDirectory); // copies the pixels before it returns
          posters.then((files) => onPoster?.(files, 0)).catch(() => {}); // awaited below
        }
      }
      // The previous view encoded while this one rendered; into the zip it goes.
      if (previous) {
        for (const [name, bytes] of await previous.files) await zip.add(name(previous.index), bytes);
        onProgress('rendering', step, views);
      }
      previous = current;
    }
    const colmap = tracks.write(posed.map((view) => view.cameraToWorld));
    await zip.add(COLMAP_FILES.cameras, colmap.cameras);
    await zip.add(COLMAP_FILES.images, colmap.images);
    await zip.add(COLMAP_FILES.points, colmap.points);
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
    albedoPass?.dispose();
    pipeline?.dispose();
    lighting?.dispose();
    gl.dispose();
  }
}

/** A file of one view: its name for view `index`, and its bytes. */
type ViewFile = [(index: number) => string, Buffer];

interface ViewPixels {
  /** Straight RGBA, rows bottom-up (GL). */
  pixels: Uint8Array;
  /** The same frame on white, rows bottom-up (images-white pass). */
  onWhite?: Uint8Array;
  /** Z-depth in millimetres, rows top-down, 0 = background. */
  depth: Uint16Array;
  /** Z-depth in metres, rows top-down, 0 = background. */
  metres: Float32Array;
  /** World normals, three.js axes, rows top-down (normals pass). */
  normals?: Float32Array;
  /** Linear albedo RGBA, rows top-down (albedo pass). */
  albedo?: Float32Array;
}

/** 16-bit arrays the encoders read from, one set per view in flight (filled here, read by sharp later). */
interface EncodeBuffers {
  inverseDepth: Uint16Array;
  normals?: Uint16Array;
  albedo?: Uint16Array;
}

/**
 * The files of one view, encoded on sharp's threads: image (8-bit RGBA, straight colour,
 * coverage as alpha), mask (the alpha alone), depth (16-bit millimetres), inverse depth
 * (16-bit, 3DGS's encoding), and the extra passes asked for. The float arrays (metres,
 * normals, albedo) are read before it returns; sharp reads pixels, onWhite, depth and `into` later.
 */
function encodeView(view: ViewPixels, into: EncodeBuffers, size: number, passes: Set<DatasetPass>): Promise<ViewFile[]> {
  const pixels = Buffer.from(view.pixels.buffer, view.pixels.byteOffset, view.pixels.byteLength);
  const upright = sharp(pixels, { raw: { width: size, height: size, channels: 4 } }).flip();
  const grey16 = (values: Uint16Array) => sharp(values, { raw: { width: size, height: size, channels: 1 } }).toColourspace('grey16').png(PNG_OPTIONS).toBuffer();
  const files: Promise<ViewFile>[] = [
    upright.clone().png(PNG_OPTIONS).toBuffer().then((bytes) => [VIEW_FILES.image, bytes]),
    upright.clone().extractChannel(3).png(PNG_OPTIONS).toBuffer().then((bytes) => [VIEW_FILES.mask, bytes]),
    grey16(view.depth).then((bytes) => [VIEW_FILES.depth, bytes]),
    grey16(inverseDepth(view.metres, into.inverseDepth)).then((bytes) => [VIEW_FILES.inverseDepth, bytes]),
  ];
  if (view.onWhite) {
    const onWhite = Buffer.from(view.onWhite.buffer, view.onWhite.byteOffset, view.onWhite.byteLength);
    const encoded = sharp(onWhite, { raw: { width: size, height: size, channels: 4 } }).flip().removeAlpha().png(PNG_OPTIONS).toBuffer();
    files.push(encoded.then((bytes) => [VIEW_FILES.imageOnWhite, bytes]));
  }
  if (passes.has('depth-exr')) files.push(Promise.resolve([VIEW_FILES.depthExr, encodeFloatExr(view.metres, size, size, 'Z')]));
  if (view.normals && into.normals) {
    const encoded = into.normals;
    const n = view.normals;
    for (let at = 0; at < encoded.length; at += 3) {
      if (n[at] === 0 && n[at + 1] === 0 && n[at + 2] === 0) {
        encoded[at] = encoded[at + 1] = encoded[at + 2] = 0; // background (the buffer holds an earlier view)
        continue;
      }
      // three.js axes → dataset axes (x, −z, y), then [−1, 1] → [0, 65535].
      encoded[at] = Math.round((n[at] + 1) * 32767.5);
      encoded[at + 1] = Math.round((-n[at + 2] + 1) * 32767.5);
      encoded[at + 2] = Math.round((n[at + 1] + 1) * 32767.5);
    }
    files.push(sharp(encoded, { raw: { width: size, height: size, channels: 3 } }).toColourspace('rgb16').png(PNG_OPTIONS).toBuffer().then((bytes) => [VIEW_FILES.normals, bytes]));
  }
  if (view.albedo && into.albedo) {
    const encoded = into.albedo;
    for (let at = 0; at < encoded.length; at++) encoded[at] = Math.round(Math.min(1, Math.max(0, view.albedo[at])) * 65535);
    files.push(sharp(encoded, { raw: { width: size, height: size, channels: 4 } }).toColourspace('rgb16').png(PNG_OPTIONS).toBuffer().then((bytes) => [VIEW_FILES.albedo, bytes]));
  }
  return Promise.all(files);
}

/** 3DGS's depth encoding: inverse depth (1/metres) × 2¹⁶ as 16-bit integers, 0 = background (infinitely far); into `encoded`. */
function inverseDepth(metres: Float32Array, encoded: Uint16Array): Uint16Array {
  for (let at = 0; at < metres.length; at++) encoded[at] = metres[at] > 0 ? Math.min(65535, Math.round(INVERSE_DEPTH_SCALE / metres[at])) : 0;
  return encoded;
}

/**
 * Straight RGBA composited onto white, opaque (the poster, when the images-white pass does
 * not render that layer anyway): colour × alpha + white × (1 − alpha), per 8-bit channel.
 */
function straightOnWhite(straight: Uint8Array): Uint8Array {
  const opaque = new Uint8Array(straight.length);
  for (let at = 0; at < straight.length; at += 4) {
    const alpha = straight[at + 3];
    for (let channel = 0; channel < 3; channel++) opaque[at + channel] = Math.round((straight[at + channel] * alpha + 255 * (255 - alpha)) / 255);
    opaque[at + 3] = 255;
  }
  return opaque;
}

/** README, camera files and the point cloud: everything known before the first view renders. */
async function writeMetadata(
  zip: ZipSink,
  plan: RenderPlan,
  dataset: DatasetPlan,
  model: NormalisedModel,
  views: DatasetView[],
  split: DatasetSplit,
  /** The surface points in dataset axes. */
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
    images: { alpha: 'straight', coverage: 'alpha', supersample },
    masks: { kind: 'coverage', object: 255, background: 0 },
    inverseDepth: { kind: 'inverse z', valuePerInverseMetre: INVERSE_DEPTH_SCALE, background: 0 },
    passes: dataset.passes,
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
    passes: dataset.passes,
  });
  await zip.add('README.txt', Buffer.from(readme));
  await zip.add('transforms.json', formatJson(nerfstudioTransforms(views, split, camera, renderbay)));
  await zip.add('transforms_train.json', formatJson(blenderTransforms(train, camera)));
  await zip.add('transforms_val.json', formatJson(blenderTransforms(test, camera)));
  await zip.add('transforms_test.json', formatJson(blenderTransforms(test, camera)));
  // 3DGS's -d option: scale 1 and offset 0 for every view, as the maps are exact, not monocular estimates.
  const depthParams = Object.fromEntries(views.map((view) => [colmapImageName(view.index).replace(/\.png$/, ''), { scale: 1, offset: 0 }]));
  await zip.add(COLMAP_FILES.depthParams, formatJson(depthParams));
  await zip.add(POINT_CLOUD_FILE, encodePly(points, [`${points.count} points sampled on the surface of ${modelName} by ${GENERATOR}`, 'same world frame as transforms.json (Z up)']));
}
