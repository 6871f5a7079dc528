/**
 * The studio: a loaded model placed on the ground, lit, shadowed, optionally reflected,
 * with a camera that follows the plan's move. `frame(index)` renders any frame of the
 * move, which is all a video, a poster or a test needs.
 *
 * `openModel` and `createLitScene` are the parts every render shares (datasets use them
 * with their own framing, cameras and passes: renderer/dataset/).
 */
import * as THREE from 'three';
import type { RenderPlan } from '../src/render/render-plan.js';
import { AnimationPlayer } from './animation/animation-player.js';
import { cameraPose } from './camera/camera-move.js';
import { createCamera, fitDepthRange, fitOrbitDistance, placeOrbitCamera, type OrbitPose } from './camera/orbit.js';
import { aimCamera, type CameraAim } from './camera/aim.js';
import { FramePipeline, type CompositeLayer } from './frame-pipeline.js';
import { createGLRenderer, type GLRenderer } from './gl/context.js';
import { loadScene, type LoadedModel } from './load/load-scene.js';
import { readModel } from './load/read-model.js';
import { useNearestMipmapsUnderSupersampling } from './load/texture-filtering.js';
import { ContactShadow } from './scene/contact-shadow.js';
import { placeOnGround, type Framing } from './scene/framing.js';
import { orientModel } from './scene/orientation.js';
import { ReflectiveFloor } from './scene/reflective-floor.js';
import { CastShadow } from './scene/cast-shadow.js';
import { DepthPrepass } from './scene/depth-prepass.js';
import { loadEnvironmentImage } from './scene/environment-image.js';
import { applyLighting, createStudioLighting, type StudioLighting } from './scene/studio-environment.js';
import { DEFAULT_LIGHTING, type LightingPlan } from '../src/render/lighting-plan.js';

/** The parts of a plan the studio needs (everything but where outputs go). */
export type StudioPlan = Pick<RenderPlan, 'modelPath' | 'width' | 'height' | 'fps' | 'frameCount' | 'variants' | 'encoding' | 'camera' | 'model' | 'animation' | 'materialVariant' | 'look' | 'lighting' | 'antialiasing'> &
  Partial<Pick<RenderPlan, 'stills'>>;

/** Above this elevation (either way) a still is fitted from its own azimuth only (the top view). */
const STEEP_ELEVATION_DEGREES = 89;

export class Studio {
  private constructor(
    private readonly gl: GLRenderer,
    private readonly plan: StudioPlan,
    readonly framing: Framing,
    private readonly scene: THREE.Scene,
    private readonly camera: THREE.PerspectiveCamera,
    private readonly aim: CameraAim,
    private readonly pipeline: FramePipeline,
    private readonly lighting: StudioLighting,
    private readonly shadow: ContactShadow | null,
    private readonly castShadow: CastShadow | null,
    private readonly floor: ReflectiveFloor | null,
    private readonly scaledModel: THREE.Group,
    private readonly animation: AnimationPlayer | null,
    /** Shades each visible pixel of the model once (scene/depth-prepass.ts). */
    private readonly depthPrepass: DepthPrepass,
  ) {}

  /** Loads and validates the model (before any GL work), then builds the scene. */
  static async open(plan: StudioPlan, onStage?: (stage: 'loading' | 'preparing') => void): Promise<Studio> {
    const { gl, ...model } = await openModel(plan, onStage);
    let environmentImage: THREE.Texture | null = null;
    try {
      const source = plan.lighting.environment;
      environmentImage = source.kind === 'preset' && source.name === 'neutral' ? null : await loadEnvironmentImage(source);
      const { renderer } = gl;
      // Oriented first, so placement, framing and the shadow all see the turned model.
      const oriented = orientModel(model.root, plan.model);
      const animation = plan.animation ? AnimationPlayer.create(model, plan.animation, plan.fps) : null;
      // An animated model is placed and framed on the union of its poses over the video.
      const framing = placeOnGround(oriented, animation?.boundsOverVideo(plan.frameCount));
      // The contact shadow below is baked once, in the pose the video opens on.
      animation?.poseAtFrame(0);
      // Scaled (reveal) about the world origin, which placement puts at the model's base
      // centre: the model grows out of the floor instead of floating while it is small.
      const scaledModel = new THREE.Group();
      scaledModel.name = 'renderbay:model-scale';
      scaledModel.add(framing.placed);
      const { scene, lighting } = createLitScene(renderer, scaledModel, framing.radius, plan.lighting, environmentImage);
      environmentImage?.dispose(); // prefiltered into lighting.environment
      environmentImage = null;

      let shadow: ContactShadow | null = null;
      if (plan.lighting.contactShadow) {
        shadow = new ContactShadow({ width: framing.size.x, depth: framing.size.z, height: framing.size.y });
        shadow.bake(renderer, framing.placed); // one bake serves every frame (an animated model keeps its opening pose's shadow)
        scene.add(shadow.plane);
      }
      let castShadow: CastShadow | null = null;
      if (plan.lighting.castShadow && plan.lighting.keyLight) {
        castShadow = new CastShadow(framing.box, { direction: new THREE.Vector3(...plan.lighting.keyLight.direction), ...plan.lighting.castShadow });
        castShadow.bake(renderer, scene, framing.placed); // once: only the camera moves (an animated model gets none: lighting-plan.ts)
        scene.add(castShadow.plane);
      }
      const floor = plan.look.reflector
        ? new ReflectiveFloor(scaledModel, framing.radius, lighting.environment, lighting.keyLight ? [lighting.keyLight] : [])
        : null;
      const camera = createCamera(plan.width, plan.height, plan.camera.fieldOfViewDegrees);
      const aim = aimCamera(camera, plan, framing);
      const pipeline = await FramePipeline.create(renderer, {
        width: plan.width,
        height: plan.height,
        antialiasing: plan.antialiasing,
        layers: compositeLayers(plan),
      });
      // Compile every shader now rather than on the first frame.
      const studio = new Studio(gl, plan, framing, scene, camera, aim, pipeline, lighting, shadow, castShadow, floor, scaledModel, animation, new DepthPrepass(scaledModel));
      studio.placeCamera(cameraPose(plan.camera, 0, plan.frameCount));
      renderer.compile(scene, camera);
      floor?.compile(renderer, camera);
      return studio;
    } catch (error) {
      environmentImage?.dispose();
      gl.dispose();
      throw error;
    }
  }

  /** Renders frame `index` of the move as the first variant; pixels are RGBA, bottom row first (written into `into` when given). */
  frame(index: number, into?: Uint8Array): Uint8Array {
    this.renderScene(index);
    return this.composite(0, into);
  }

  /** Renders frame `index` of the move once; `composite` then finishes it per variant. */
  renderScene(index: number): void {
    const pose = cameraPose(this.plan.camera, index, this.plan.frameCount);
    this.setModelScale(pose.modelScale);
    this.placeCamera(pose);
    this.animation?.poseAtFrame(index);
    this.pipeline.renderScene(this.scene, this.camera, this.floor, this.depthPrepass);
  }

  /** Fitted orbit distances by elevation (and azimuth, for steep views): stills ask for several of one scene. */
  private readonly distanceByElevation = new Map<string, number>();

  /**
   * Renders the still model from one orbit pose (a still: azimuth and elevation of its own).
   * Auto framing fits it like a video at that elevation: over the whole orbit, so every
   * azimuth of one elevation shows the model at the same scale (`camera.zoom` still
   * applies); a steep view is fitted from its own azimuth. An explicit camera keeps its
   * target and radius.
   */
  renderView(view: Pick<OrbitPose, 'azimuthDegrees' | 'elevationDegrees'>): void {
    let distance = this.aim.distance;
    if (!this.plan.camera.explicit) {
      const steep = Math.abs(view.elevationDegrees) > STEEP_ELEVATION_DEGREES;
      const key = steep ? `${view.elevationDegrees}@${view.azimuthDegrees}` : String(view.elevationDegrees);
      const fitted = this.distanceByElevation.get(key);
      distance =
        fitted ??
        fitOrbitDistance(this.camera, this.framing.points, this.aim.target, view.elevationDegrees, {
          fill: this.plan.camera.fill,
          slack: this.framing.slack,
          azimuthDegrees: steep ? view.azimuthDegrees : undefined,
        });
      this.distanceByElevation.set(key, distance);
    }
    this.setModelScale(1);
    this.animation?.poseAtFrame(0);
    this.placeCamera({ ...view, distanceMultiplier: this.plan.camera.zoom }, distance);
    this.pipeline.renderScene(this.scene, this.camera, this.floor, this.depthPrepass);
  }

  /** Puts the camera at an orbit pose about the aim's target (an explicit camera gets a depth range of its own). */
  private placeCamera(pose: OrbitPose, distance = this.aim.distance): void {
    placeOrbitCamera(this.camera, this.aim.target, distance, pose);
    if (this.plan.camera.explicit) fitDepthRange(this.camera, this.framing.box, this.framing.radius);
  }

  /**
   * Scales the model and its contact shadow together about the model's base. The
   * reflection mirrors the live model, so it is scaled (and hidden at 0) with it.
   */
  private setModelScale(scale: number): void {
    this.scaledModel.scale.setScalar(scale);
    this.scaledModel.visible = scale > 0; // nothing to draw at 0 (and a singular matrix)
    this.shadow?.setModelScale(scale);
    this.castShadow?.setModelScale(scale);
  }

  /**
   * The last rendered frame finished as variant `index` of the plan (its background and
   * foreground): RGBA, bottom row first.
   */
  composite(index: number, into?: Uint8Array): Uint8Array {
    return this.pipeline.composite(index, into);
  }

  /**
   * The last rendered frame as variant `index`'s transparent master (pro only): straight
   * RGBA with alpha = coverage, the variant's foreground on top, no background or vignette.
   */
  compositeTransparent(index: number, into?: Uint8Array): Uint8Array {
    if (this.plan.encoding !== 'prores4444') throw new Error('transparent layers exist only for ProRes 4444 renders');
    if (index < 0 || index >= this.plan.variants.length) throw new RangeError(`no variant ${index}`);
    return this.pipeline.composite(this.plan.variants.length + index, into);
  }

  dispose(): void {
    this.pipeline.dispose();
    this.depthPrepass.dispose();
    this.shadow?.dispose();
    this.castShadow?.dispose();
    this.floor?.dispose();
    this.lighting.dispose();
    this.gl.dispose();
  }
}

/**
 * The composite layers of a plan: each variant on its background (layer i = variant i),
 * then, for ProRes 4444, each variant transparent (layer n + i) for the alpha master.
 */
export function compositeLayers(plan: Pick<StudioPlan, 'variants' | 'encoding' | 'stills'>): CompositeLayer[] {
  // Transparent stills have only the transparent layer (straight alpha, foreground on top).
  if (plan.stills?.transparent) return plan.variants.map(({ foreground }) => ({ background: null, foreground }));
  const onBackground: CompositeLayer[] = plan.variants.map(({ background, foreground }) => ({ background, foreground }));
  if (plan.encoding !== 'prores4444') return onBackground;
  return [...onBackground, ...plan.variants.map(({ foreground }) => ({ background: null, foreground }))];
}

/** The model's scene graph on a fresh GL context, which the caller owns (and disposes). */
export interface OpenedModel extends LoadedModel {
  gl: GLRenderer;
}

/**
 * Reads and validates the model (before any GL work), creates the GL context and loads
 * the model into a three.js scene graph, with texture filtering matched to the
 * anti-aliasing. Reports 'loading', then 'preparing' once the model is in memory.
 */
export async function openModel(
  plan: Pick<StudioPlan, 'modelPath' | 'antialiasing' | 'materialVariant'>,
  onStage?: (stage: 'loading' | 'preparing') => void,
): Promise<OpenedModel> {
  onStage?.('loading');
  const source = await readModel(plan.modelPath, { materialVariant: plan.materialVariant });
  const gl = createGLRenderer();
  try {
    const model = await loadScene(source.glb);
    if (plan.antialiasing === 'ssaa2' || plan.antialiasing === 'ssaa1.75') useNearestMipmapsUnderSupersampling(model.root);
    onStage?.('preparing');
    return { gl, ...model };
  } catch (error) {
    gl.dispose();
    throw error;
  }
}

/**
 * A scene holding `content` under a lighting plan (default: the neutral room environment
 * and the key light), fixed in the world (so every camera sees the same light).
 * `environmentImage` is the plan's decoded panorama (null for the neutral room).
 */
export function createLitScene(
  renderer: THREE.WebGLRenderer,
  content: THREE.Object3D,
  radius: number,
  plan: LightingPlan = DEFAULT_LIGHTING,
  environmentImage: THREE.Texture | null = null,
): { scene: THREE.Scene; lighting: StudioLighting } {
  const scene = new THREE.Scene();
  const lighting = createStudioLighting(renderer, radius, plan, environmentImage);
  scene.add(content);
  if (lighting.keyLight) scene.add(lighting.keyLight, lighting.keyLight.target);
  applyLighting(renderer, scene, lighting, plan);
  return { scene, lighting };
}
