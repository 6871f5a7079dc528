/**
 * One video render, start to finish, inside a worker process: load the model, build the
 * studio scene, then render every frame exactly once and fan it out — to the encoder
 * (video, web and thumb in one ffmpeg) and, for the first frame, to the posters.
 * Encoding runs in ffmpeg's own process, overlapped with rendering.
 */
import * as THREE from 'three';
import { RenderbayError } from '../src/errors.js';
import type { RenderPlan } from '../src/render/render-plan.js';
import type { RenderResult, RenderStage } from '../src/render/worker-protocol.js';
import { createCamera, fitOrbitDistance, moveProgress, placeOrbitCamera } from './camera/turntable.js';
import { FramePipeline } from './frame-pipeline.js';
import { createGLRenderer } from './gl/context.js';
import { loadScene } from './load/load-scene.js';
import { readModel } from './load/read-model.js';
import { ContactShadow } from './scene/contact-shadow.js';
import { placeOnGround } from './scene/framing.js';
import { ReflectiveFloor } from './scene/reflective-floor.js';
import { createStudioLighting } from './scene/studio-environment.js';
import { writePosters } from './sinks/poster.js';
import { VideoEncoder } from './sinks/video-encoder.js';

export type ProgressListener = (stage: RenderStage, framesDone: number, framesTotal: number) => void;

export async function renderVideo(plan: RenderPlan, onProgress: ProgressListener): Promise<RenderResult> {
  const started = performance.now();
  onProgress('loading', 0, plan.frameCount);
  const source = await readModel(plan.modelPath);
  const gl = createGLRenderer();
  const { renderer } = gl;
  const model = await loadScene(source.glb);
  const loaded = performance.now();

  onProgress('preparing', 0, plan.frameCount);
  const framing = placeOnGround(model.root);
  const scene = new THREE.Scene();
  const lighting = createStudioLighting(renderer, framing.radius);
  scene.environment = lighting.environment;
  scene.add(framing.placed, lighting.keyLight, lighting.keyLight.target);

  let shadow: ContactShadow | null = null;
  if (plan.look.shadows) {
    shadow = new ContactShadow({ width: framing.size.x, depth: framing.size.z, height: framing.size.y });
    shadow.bake(renderer, framing.placed); // only the camera moves: one bake serves every frame
    scene.add(shadow.plane);
  }
  const floor = plan.look.reflector ? new ReflectiveFloor(framing.placed, framing.radius, lighting.environment, [lighting.keyLight]) : null;

  const camera = createCamera(plan.width, plan.height);
  const distance = fitOrbitDistance(camera, framing.box, framing.centre, plan.camera.elevationDegrees);
  const pipeline = await FramePipeline.create(renderer, { width: plan.width, height: plan.height, antialiasing: plan.antialiasing, background: plan.background });
  // Compile every shader before the clock starts on frames (first-frame hitch otherwise).
  renderer.compile(scene, camera);
  const encoder = VideoEncoder.start({ width: plan.width, height: plan.height, fps: plan.fps, directory: plan.workDirectory });
  const prepared = performance.now();

  let posters: Promise<{ poster: string; posterThumb: string }> | null = null;
  try {
    onProgress('rendering', 0, plan.frameCount);
    for (let index = 0; index < plan.frameCount; index++) {
      placeOrbitCamera(camera, framing.centre, distance, plan.camera, moveProgress(index, plan.frameCount, plan.camera.easing));
      const pixels = pipeline.renderFrame(scene, camera, floor?.scene ?? null);
      if (index === 0) posters = writePosters(pixels, plan.width, plan.height, plan.workDirectory);
      await encoder.writeFrame(pixels);
      onProgress('rendering', index + 1, plan.frameCount);
    }
  } catch (error) {
    encoder.abort();
    throw error;
  }
  const rendered = performance.now();
  onProgress('encoding', plan.frameCount, plan.frameCount);
  const [{ files }, posterFiles] = await Promise.all([encoder.finish(), posters as Promise<{ poster: string; posterThumb: string }>]);
  const finished = performance.now();

  pipeline.dispose();
  shadow?.dispose();
  floor?.dispose();
  lighting.dispose();
  gl.dispose();
  if (!posterFiles) throw new RenderbayError('internal', 'No frame was rendered', 500);

  return {
    files: { ...files, ...posterFiles },
    width: plan.width,
    height: plan.height,
    frameCount: plan.frameCount,
    fps: plan.fps,
    durationSeconds: plan.frameCount / plan.fps,
    timings: {
      loadMs: Math.round(loaded - started),
      setupMs: Math.round(prepared - loaded),
      renderMs: Math.round(rendered - prepared),
      encodeTailMs: Math.round(finished - rendered),
      totalMs: Math.round(finished - started),
      msPerFrame: Math.round(((rendered - prepared) / plan.frameCount) * 10) / 10,
    },
  };
}
