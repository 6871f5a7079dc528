/**
 * The camera files of a dataset, one set of poses in the formats trainers read as is:
 *
 * - `transforms.json`, nerfstudio's format (also read by Instant-NGP): shared pinhole
 *   intrinsics (`fl_x`, `fl_y`, `cx`, `cy`, `w`, `h`), `ply_file_path`, the split as
 *   `train_filenames` / `val_filenames` / `test_filenames`, and per frame `file_path`,
 *   `transform_matrix`, `depth_file_path` and `mask_path`; plus a `renderbay` object with
 *   how the model was placed (scale, offset, model→world matrix) and the conventions.
 * - `transforms_train.json`, `transforms_val.json`, `transforms_test.json`, the
 *   Blender-synthetic form of the original NeRF and 3DGS code: `camera_angle_x` and
 *   frames whose `file_path` has no extension (the loaders append ".png").
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
  mask: (index: number) => `masks/${viewStem(index)}.png`,
  depth: (index: number) => `depth/${viewStem(index)}.png`,
} as const;

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
    // With these lists nerfstudio holds out exactly the views the Blender split does.
    train_filenames: train,
    val_filenames: test,
    test_filenames: test,
    frames: views.map((view) => ({
      file_path: VIEW_FILES.image(view.index),
      transform_matrix: view.cameraToWorld,
      depth_file_path: VIEW_FILES.depth(view.index),
      mask_path: VIEW_FILES.mask(view.index),
    })),
    renderbay,
  };
}

/** One split in the Blender-synthetic form (transforms_train.json and its siblings). */
export function blenderTransforms(views: DatasetView[], camera: Intrinsics): object {
  return {
    camera_angle_x: camera.fovX,
    frames: views.map((view) => ({
      file_path: `./${VIEW_FILES.image(view.index).replace(/\.png$/, '')}`,
      transform_matrix: view.cameraToWorld,
    })),
  };
}

/** Pretty JSON with every list of plain numbers on one line (matrix rows stay readable). */
export function formatJson(value: object): Buffer {
  const text = JSON.stringify(value, null, 2).replace(/\[\s+([-0-9.eE+,\s]+?)\s+\]/g, (_, numbers: string) => `[${numbers.split(/,\s*/).join(', ')}]`);
  return Buffer.from(`${text}\n`);
}
