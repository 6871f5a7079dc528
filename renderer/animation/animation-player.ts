/**
 * Plays one of the model's glTF clips, looping, in step with the video's frames: frame i
 * shows clip time (i / fps) · speed, wrapped over the clip's duration. three's
 * AnimationMixer drives node transforms and morph weights (the shader morphs; on WebGL 1
 * it applies at most the 8 strongest morph targets of a mesh per frame, or 4 when the
 * targets also morph normals); skinned meshes, which WebGL 1 cannot skin on the GPU here,
 * are re-skinned on the CPU after each pose (renderer/load/bake-skinning.ts).
 */
import * as THREE from 'three';
import type { RenderPlan } from '../../src/render/render-plan.js';
import { resolveAnimationClip } from '../../src/models/model-animations.js';
import type { LoadedModel } from '../load/load-scene.js';

/** Poses sampled to bound the model over the clip: dense enough that a swing's extreme falls near one. */
const BOUNDS_SAMPLES = 32;

export type Playback = NonNullable<RenderPlan['animation']>;

export class AnimationPlayer {
  private constructor(
    private readonly model: LoadedModel,
    private readonly mixer: THREE.AnimationMixer,
    readonly clip: THREE.AnimationClip,
    private readonly speed: number,
    private readonly fps: number,
  ) {}

  /** A player for the clip `playback` names ("*" = the first); invalid_settings when the model has no such clip. */
  static create(model: LoadedModel, playback: Playback, fps: number): AnimationPlayer {
    const name = resolveAnimationClip(
      model.animations.map((clip) => clip.name),
      playback.clip,
    );
    const clip = model.animations.find((candidate) => candidate.name === name)!;
    const mixer = new THREE.AnimationMixer(model.root);
    mixer.clipAction(clip).play();
    return new AnimationPlayer(model, mixer, clip, playback.speed, fps);
  }

  /** The clip time frame `index` shows, in seconds. */
  clipTime(index: number): number {
    const duration = this.clip.duration;
    return duration > 0 ? ((index / this.fps) * this.speed) % duration : 0;
  }

  /** Poses the model as frame `index` shows it. */
  poseAtFrame(index: number): void {
    this.poseAt(this.clipTime(index));
  }

  /** Poses the model at `clipTime` seconds into the clip. */
  poseAt(clipTime: number): void {
    this.mixer.setTime(clipTime);
    this.model.root.updateMatrixWorld(true);
    for (const skin of this.model.skins) skin.update();
  }

  /**
   * The union of the model's world bounding boxes over the poses a video of `frameCount`
   * frames shows: the whole clip once the video wraps it, otherwise the part it reaches.
   * Framing on this box keeps every pose on the ground and inside the frame. Leaves the
   * model in the last sampled pose: pose it for a frame before rendering.
   */
  boundsOverVideo(frameCount: number): THREE.Box3 {
    const reached = (Math.max(frameCount - 1, 0) / this.fps) * this.speed;
    const span = Math.min(this.clip.duration, reached);
    const box = new THREE.Box3();
    for (let sample = 0; sample <= BOUNDS_SAMPLES; sample++) {
      // The clip's last instant is its first again when it loops, so sample up to just before it.
      this.poseAt(Math.min((span * sample) / BOUNDS_SAMPLES, this.clip.duration * (1 - 1e-6)));
      box.expandByObject(this.model.root, true);
    }
    return box;
  }
}
