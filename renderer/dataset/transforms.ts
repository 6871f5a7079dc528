/**
 * The camera files of a dataset, one set of poses in the formats trainers read as is:
 *
 * - `transforms.json`, nerfstudio's format (also read by Instant-NGP): shared pinhole
 *   intrinsics (`fl_x`, `fl_y`, `cx`, `cy`, `w`, `h`), `ply_file_path`, the split as
 *   `train_filenames` / `val_filenames` / `test_filenames`, and per frame `file_path`,
 *   `transform_matrix` and `depth_file_path` (no `mask_path`: the images carry alpha); plus a `renderbay` object with
 *   how the model was placed (scale, offset, model→world matrix) and the conventions.
 * - `transforms_train.json`, `transforms_val.json`, `transforms_test.json`, the
 *   Blender-synthetic form of the original NeRF and 3DGS code: `camera_angle_x` and
 *   frames whose `file_path` has no extension (the loaders append ".png"), plus
 *   Instant-NGP's `aabb_scale`, `integer_depth_scale` and per-frame `depth_path`.
 *
 * `transform_matrix` is camera-to-world, rows first, OpenGL/Blender camera axes (the
 * camera looks down −Z, +Y up, +X right).
 */
import type { Intrinsics } from './dataset-frame.js';

export interface DatasetView {
  index: number;
  /** Camera-to-world, four rows of four numbers. */
  cameraToWorld: number[][];
  split: 'train' | 'test';
}

/** The views of each split, in view order. */
export interface DatasetSplit {
  train: DatasetView[];
  test: DatasetView[];
}

export function splitViews(views: DatasetView[]): DatasetSplit {
  return { train: views.filter((view) => view.split === 'train'), test: views.filter((view) => view.split === 'test') };
}

/** What `transforms.json` records under `renderbay` (any JSON values). */
export type RenderbayMetadata = Record<string, unknown>;

/** File stem of view `index`: "0000", "0001", … */
export function viewStem(index: number): string {
  return String(index).padStart(4, '0');
}

export const VIEW_FILES = {
  image: (index: number) => `images/${viewStem(index)}.png`,
  imageOnWhite: (index: number) => `images_white/${viewStem(index)}.png`,
  mask: (index: number) => `masks/${viewStem(index)}.png`,
  depth: (index: number) => `depth/${viewStem(index)}.png`,
  inverseDepth: (index: number) => `inverse_depth/${viewStem(index)}.png`,
  depthExr: (index: number) => `depth_exr/${viewStem(index)}.exr`,
  normals: (index: number) => `normals/${viewStem(index)}.png`,
  albedo: (index: number) => `albedo/${viewStem(index)}.png`,
} as const;

/** inverse_depth/ PNG value = INVERSE_DEPTH_SCALE / depth in metres: what 3DGS divides by (2¹⁶). */
export const INVERSE_DEPTH_SCALE = 65536;

/**
 * Instant-NGP's fields (src/nerf_loader.cu): the scene fits its unit cube at its default
 * scale 0.33 (aabb_scale 1), and depth PNG values × integer_depth_scale are metres
 * (our depth maps hold millimetres).
 */
const INSTANT_NGP_FIELDS = { aabb_scale: 1, integer_depth_scale: 0.001 } as const;

export const POINT_CLOUD_FILE = 'points3d.ply';

/** nerfstudio's transforms.json: every view, in order, and `split`, the same views by split. */
export function nerfstudioTransforms(views: DatasetView[], split: DatasetSplit, camera: Intrinsics, renderbay: RenderbayMetadata): object {
  const train = split.train.map((view) => VIEW_FILES.image(view.index));
  const test = split.test.map((view) => VIEW_FILES.image(view.index));
  return {
    camera_model: 'PINHOLE',
    fl_x: camera.fx,
    fl_y: camera.fy,
    cx: camera.cx,
    cy: camera.cy,
    w: camera.width,
    h: camera.height,
    ply_file_path: POINT_CLOUD_FILE,
    ...INSTANT_NGP_FIELDS,
    // With these lists nerfstudio holds out exactly the views the Blender split does.
    train_filenames: train,
    val_filenames: test,
    test_filenames: test,
    frames: views.map((view) => ({
      file_path: VIEW_FILES.image(view.index),
      transform_matrix: view.cameraToWorld,
      depth_file_path: VIEW_FILES.depth(view.index),
      depth_path: VIEW_FILES.depth(view.index),
      // No mask_path: nerfstudio would then never train the background (masks mean
      // "ignore where 0"); the images' alpha carries the coverage instead.
    })),
    renderbay,
  };
}

/** One split in the Blender-synthetic form (transforms_train.json and its siblings). */
export function blenderTransforms(views: DatasetView[], camera: Intrinsics): object {
  return {
    camera_angle_x: camera.fovX,
    ...INSTANT_NGP_FIELDS,
    frames: views.map((view) => ({
      file_path: `./${VIEW_FILES.image(view.index).replace(/\.png$/, '')}`,
      transform_matrix: view.cameraToWorld,
      depth_path: `./${VIEW_FILES.depth(view.index)}`,
    })),
  };
}

/** Pretty JSON with every list of plain numbers on one line (matrix rows stay readable). */
export function formatJson(value: object): Buffer {
  const text = JSON.stringify(value, null, 2).replace(/\[\s+([-0-9.eE+,\s]+?)\s+\]/g, (_, numbers: string) => `[${numbers.split(/,\s*/).join(', ')}]`);
  return Buffer.from(`${text}\n`);
}
