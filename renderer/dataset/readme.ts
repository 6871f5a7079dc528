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
  /** Extra passes (datasetPasses). */
  passes: readonly string[];
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
  images/NNNN.png   The view: 8-bit sRGB RGBA, straight (not premultiplied) colour, the
                    object's coverage as alpha (0 = background, where the colour is 0).
                    Rendered with ${facts.supersample}x${facts.supersample} supersampling. Studio lighting fixed in the world
                    (the same in every view); no floor, no shadow, no reflection. Every
                    trainer composites it onto its own background colour.
  masks/NNNN.png    The alpha channel alone, 8-bit grey (255 = object). Not referenced by
                    transforms.json: as nerfstudio's mask_path it means "ignore where 0", so the
                    background would never be trained (see TRAIN to opt in).
  depth/NNNN.png    Z-depth (distance along the camera's viewing axis, not along the
                    ray), 16-bit grey, in millimetres; 0 = background. One sample at each
                    pixel centre, never averaged across edges. nerfstudio reads it with its
                    default depth_unit_scale_factor 0.001; Instant-NGP via depth_path and
                    integer_depth_scale 0.001.
  inverse_depth/NNNN.png
                    The same depth as 3D Gaussian Splatting's -d option reads it: 16-bit
                    value = 65536 / depth in metres (its loader divides by 2^16); 0 = background.
  transforms.json   nerfstudio format: camera_model PINHOLE, fl_x, fl_y, cx, cy, w, h; per
                    frame file_path, transform_matrix, depth_file_path (and depth_path);
                    ply_file_path; train/val/test file lists (val = test = the held-out
                    views); aabb_scale, integer_depth_scale (Instant-NGP); "renderbay":
                    placement and conventions.
  transforms_train.json, transforms_val.json, transforms_test.json
                    Blender-synthetic form (original NeRF, Instant-NGP): camera_angle_x,
                    aabb_scale, integer_depth_scale and frames (file_path without ".png",
                    depth_path). val and test hold the same held-out views.
  sparse/0/cameras.txt, images.txt, points3D.txt
                    The same cameras and points as a COLMAP text model: one PINHOLE camera;
                    per image the world-to-camera rotation (QW QX QY QZ) and translation in
                    COLMAP's camera axes (+X right, +Y down, +Z forward) and its name under
                    images/; the surface points that some view sees, with colour and a track
                    of the two views that see each most squarely.
  sparse/0/depth_params.json
                    {"NNNN": {"scale": 1, "offset": 0}, ...}: 3DGS's per-image depth
                    alignment, the identity (the inverse depth maps are exact).
  points3d.ply      Points sampled uniformly by area on the model's surface, binary PLY:
                    float x y z, float nx ny nz (surface normal), uchar red green blue (the
                    material's base colour: factor x vertex colour x texture, sRGB).
                    Same world frame as the cameras.
${facts.passes.includes('images-white') ? `  images_white/NNNN.png
                    The same views composited on white (#ffffff), 8-bit RGB, for tools that
                    want no alpha. Trainers read images/.
` : ''}${facts.passes.includes('depth-exr') ? `  depth_exr/NNNN.exr
                    Z-depth in metres, 32-bit float OpenEXR (one channel, Z), 0 = background.
` : ''}${facts.passes.includes('normals') ? `  normals/NNNN.png  World-space unit normals (dataset axes) of the surface facing the camera,
                    16-bit RGB, value = (n + 1) / 2 * 65535; 0 = background.
` : ''}${facts.passes.includes('albedo') ? `  albedo/NNNN.png   Unlit base colour (factor x vertex colour x texture), linear (not sRGB),
                    16-bit RGBA, alpha = coverage; one sample per pixel centre.
` : ''}  README.txt        This file.

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

TRAIN (run in the unzipped folder)
  nerfstudio, Gaussian splatting from points3d.ply (the alpha composites onto white):
      ns-train splatfacto --data . --pipeline.model.background-color white
  nerfstudio with depth supervision:
      ns-train depth-nerfacto --data . --pipeline.model.background-color white
  nerfstudio masks, opt-in: add "mask_path": "masks/NNNN.png" to each frame of
    transforms.json. Pixels where the mask is 0 then leave the loss (splatfacto blanks
    them, nerfacto samples only inside), so the background is never trained and floaters
    there go unpunished; eval PSNR still counts the whole image.
  3D Gaussian Splatting (graphdeco-inria): sparse/0 is present, so it takes its COLMAP
    path (PINHOLE camera; RGBA images: the alpha multiplies its render in the loss, and its
    ground truth is the RGB, black where alpha is 0, so leave -w off for its test renders
    and metrics). --eval holds out every 8th image by sorted name: the same ${facts.testViews} test views.
      python train.py -s <this folder> --eval
    with depth regularisation (inverse_depth/ and sparse/0/depth_params.json):
      python train.py -s <this folder> -d inverse_depth --eval
  gsplat examples (COLMAP reader; it keeps RGB only, so it sees the object on black):
      python examples/simple_trainer.py default --data_dir <this folder> --data_factor 1 --result_dir results
  Instant-NGP: pass the training split only. (Given the folder it reads every .json in it,
    test views included.) RGBA images train against a random background.
      ./instant-ngp <this folder>/transforms_train.json
  Original NeRF (Blender loader): --white_bkgd composites the alpha onto white.
`;
}
