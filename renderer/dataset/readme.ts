/**
 * README.txt of a dataset zip: what every file is, the conventions (axes, units, pixel
 * centres, depth encoding, masks), how the model was placed, and the commands that train
 * on it as is.
 */
import { CAMERA_DISTANCE, FOV_Y_DEGREES, type Intrinsics } from './dataset-frame.js';

export interface ReadmeFacts {
  modelName: string;
  quality: string;
  coverage: 'hemisphere' | 'sphere';
  views: number;
  trainViews: number;
  testViews: number;
  testEvery: number;
  /** The pinhole camera every view shares (its width and height are the images'). */
  camera: Intrinsics;
  points: number;
  scale: number;
  /** Offset after scaling, in the model's own (glTF, Y-up) axes. */
  offset: [number, number, number];
  supersample: number;
  generator: string;
}

const number = (value: number, digits = 6) => String(Number(value.toPrecision(digits)));

export function datasetReadme(facts: ReadmeFacts): string {
  const [ox, oy, oz] = facts.offset.map((value) => number(value, 12));
  const coverage =
    facts.coverage === 'hemisphere'
      ? `the upper hemisphere:
    every camera is above the horizontal plane through the centre (for objects that sit
    on a floor).`
      : `the whole sphere:
    cameras above and below the model.`;
  return `Renderbay training dataset
==========================

Model:     ${facts.modelName}
Tier:      ${facts.quality} (${facts.views} views of ${facts.camera.width} x ${facts.camera.height} pixels)
Coverage:  ${facts.coverage}
Split:     ${facts.trainViews} train / ${facts.testViews} test (every ${facts.testEvery}th view, from view 0, is held out)
Points:    ${facts.points} surface points
Made by:   ${facts.generator}

FILES
  images/NNNN.png   The view: 8-bit sRGB RGB, composited on white (#ffffff), rendered with
                    ${facts.supersample}x${facts.supersample} supersampling. Studio lighting fixed in the world (the same in
                    every view); no floor, no shadow, no reflection.
  masks/NNNN.png    Object coverage, 8-bit grey: 255 = object, 0 = background, values in
                    between on silhouette edges (the supersampled coverage, matching the
                    anti-aliased edges of the image).
  depth/NNNN.png    Z-depth (distance along the camera's viewing axis, not along the
                    ray), 16-bit grey, in millimetres; 0 = background. One sample at each
                    pixel centre, never averaged across edges. nerfstudio reads it with its
                    default depth_unit_scale_factor 0.001.
  transforms.json   nerfstudio format (Instant-NGP reads it too): camera_model PINHOLE,
                    fl_x, fl_y, cx, cy, w, h; per frame file_path, transform_matrix,
                    depth_file_path, mask_path; ply_file_path; train/val/test file lists
                    (val = test = the held-out views); "renderbay": placement and conventions.
  transforms_train.json, transforms_val.json, transforms_test.json
                    Blender-synthetic form (original NeRF, 3D Gaussian Splatting):
                    camera_angle_x and frames (file_path without ".png").
                    val and test hold the same held-out views.
  points3d.ply      Points sampled uniformly by area on the model's surface, binary PLY:
                    float x y z, float nx ny nz (surface normal), uchar red green blue (the
                    material's base colour: factor x vertex colour x texture, sRGB).
                    Same world frame as the cameras. 3DGS picks it up by this name.
  README.txt        This file.

CONVENTIONS
  World frame: the model centred on the origin and scaled uniformly so that all of it
    lies inside the unit sphere, with Z up and the model's front facing -Y (Blender axes;
    glTF's +Y up becomes +Z, glTF's front +Z becomes -Y). Units: call them metres.
  Cameras: transform_matrix is camera-to-world (rows first), OpenGL/Blender camera axes:
    the camera looks down its -Z axis, +Y is up in the image, +X is right. Every camera
    is ${CAMERA_DISTANCE} units from the origin and looks at it.
  Views: spread evenly by a Fibonacci spiral over ${coverage}
  Intrinsics: pinhole, no distortion, square pixels; vertical = horizontal field of view
    ${FOV_Y_DEGREES} degrees (camera_angle_x = ${number(facts.camera.fovX, 10)} rad);
    fl_x = fl_y = (h / 2) / tan(fov / 2) = ${number(facts.camera.fx, 10)} px; cx = w / 2, cy = h / 2.
  Pixel centres: pixel (i, j) (column i from the left, row j from the top) covers
    [i, i+1] x [j, j+1]; its centre is (i + 0.5, j + 0.5). A point at camera coordinates
    (X, Y, Z), Z < 0, appears at u = cx + fl_x * X / -Z, v = cy - fl_y * Y / -Z. The pixel
    centre (u, v) with depth d (metres) is the camera-space point
    X = (u - cx) * d / fl_x, Y = -(v - cy) * d / fl_y, Z = -d.
    (nerfstudio casts rays through pixel centres this way. The original NeRF code casts
    them through pixel corners, half a pixel off.)

MODEL PLACEMENT (map back to model units)
  Model coordinates p (glTF scene units, glTF axes, after node transforms) map to the
  world frame by
      q = scale * p + offset,   then   world = (q.x, -q.z, q.y)
  with
      scale  = ${number(facts.scale, 12)}
      offset = (${ox}, ${oy}, ${oz})   (glTF axes)
  and back:  q = (world.x, world.z, -world.y),  p = (q - offset) / scale.
  Depth values in model units: depth_mm / 1000 / scale.
  transforms.json > renderbay > modelToWorld holds the same map as a 4 x 4 matrix.

TRAIN
  nerfstudio reads mask_path and leaves pixels where the mask is 0 out of the loss.
  nerfstudio (Gaussian splatting, starts from points3d.ply):
      ns-train splatfacto --data . --pipeline.model.background-color white
  nerfstudio with depth supervision:
      ns-train depth-nerfacto --data . --pipeline.model.background-color white
  3D Gaussian Splatting (graphdeco-inria), white background, held-out test views:
      python train.py -s <this folder> -w --eval
  Instant-NGP:
      ./instant-ngp <this folder>/transforms.json
  Original NeRF (Blender loader): the images are already composited on white and have
  no alpha channel, so leave --white_bkgd off.
`;
}
