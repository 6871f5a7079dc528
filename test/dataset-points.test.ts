/**
 * The dataset's model placement and surface point cloud, on real fixtures loaded the way
 * the renderer loads them (no GL needed): normalisation into the unit sphere, area-uniform
 * sampling, colours from textures and vertex colours, and the PLY encoding.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as THREE from 'three';
import { forEachWorldVertex, normaliseModel } from '../renderer/dataset/dataset-frame.js';
import { encodePly } from '../renderer/dataset/ply.js';
import { sampleSurfacePoints } from '../renderer/dataset/surface-points.js';
import { loadScene } from '../renderer/load/load-scene.js';
import { readModel } from '../renderer/load/read-model.js';
import { QUADRANT_COLOURS } from '../scripts/fixtures/textures.js';
import { parsePly } from './helpers/dataset.js';

async function load(file: string): Promise<THREE.Object3D> {
  const { glb } = await readModel(file);
  return (await loadScene(glb)).root;
}

describe('model placement', () => {
  test('an off-centre, scaled model is centred on the origin and fills the unit sphere', async () => {
    const root = await load('fixtures/generated/offcentre.glb');
    const model = normaliseModel(root);
    let farthest = 0;
    const box = new THREE.Box3();
    forEachWorldVertex(model.group, (vertex) => {
      farthest = Math.max(farthest, vertex.length());
      box.expandByPoint(vertex);
    });
    assert.ok(Math.abs(farthest - 1) < 1e-6, `farthest vertex at ${farthest}`);
    assert.ok(box.getCenter(new THREE.Vector3()).length() < 1e-6);
    // The fixture's world box is 0.02 × 0.005 × 0.01 m centred at (−1, 0.95, 1.7).
    assert.ok(model.centre.distanceTo(new THREE.Vector3(-1, 0.95, 1.7)) < 1e-6);
    assert.ok(Math.abs(model.radius - Math.hypot(0.01, 0.0025, 0.005)) < 1e-9);
    assert.ok(Math.abs(model.scale - 1 / model.radius) < 1e-9);
    // modelToWorld: the centre goes to the origin; glTF +Y (up) becomes +Z, glTF +Z (front) becomes −Y.
    const mapped = (x: number, y: number, z: number) => new THREE.Vector3(x, y, z).applyMatrix4(model.modelToWorld);
    assert.ok(mapped(-1, 0.95, 1.7).length() < 1e-9);
    assert.ok(mapped(-1, 0.95 + model.radius, 1.7).distanceTo(new THREE.Vector3(0, 0, 1)) < 1e-9);
    assert.ok(mapped(-1, 0.95, 1.7 + model.radius).distanceTo(new THREE.Vector3(0, -1, 0)) < 1e-9);
  });
});

describe('surface points', () => {
  test('points lie on the surface, spread evenly by area, with outward normals', async () => {
    const model = normaliseModel(await load('fixtures/generated/textured-cube.glb'));
    const points = sampleSurfacePoints(model.group, { count: 6000 });
    assert.equal(points.count, 6000);
    const half = 1 / Math.sqrt(3); // the cube's half-size once its corners touch the unit sphere
    const perFace = new Map<string, number>();
    for (let point = 0; point < points.count; point++) {
      const position = [0, 1, 2].map((axis) => points.positions[point * 3 + axis]);
      const normal = [0, 1, 2].map((axis) => points.normals[point * 3 + axis]);
      const axis = normal.findIndex((component) => Math.abs(component) > 0.999);
      assert.ok(axis >= 0, 'cube normals are axis-aligned');
      assert.ok(Math.abs(position[axis] - Math.sign(normal[axis]) * half) < 1e-5, 'the point is on the face its normal points out of');
      for (const other of [0, 1, 2]) assert.ok(Math.abs(position[other]) <= half + 1e-5);
      const face = `${axis}${Math.sign(normal[axis])}`;
      perFace.set(face, (perFace.get(face) ?? 0) + 1);
    }
    assert.equal(perFace.size, 6);
    for (const [face, count] of perFace) assert.ok(Math.abs(count - 1000) < 150, `face ${face} got ${count} of 6000 points`);
  });

  test('colours come from the base colour texture: the four quadrant colours, a quarter each', async () => {
    const model = normaliseModel(await load('fixtures/generated/textured-cube.glb'));
    const points = sampleSurfacePoints(model.group, { count: 4000 });
    const quadrants = Object.values(QUADRANT_COLOURS);
    const counts = quadrants.map(() => 0);
    for (let point = 0; point < points.count; point++) {
      const colour = [...points.colours.subarray(point * 3, point * 3 + 3)];
      const match = quadrants.findIndex((quadrant) => quadrant.every((value, channel) => Math.abs(value - colour[channel]) <= 1));
      assert.ok(match >= 0, `colour ${colour} is none of the texture's`);
      counts[match]++;
    }
    for (const count of counts) assert.ok(Math.abs(count - 1000) < 150, `quadrant counts ${counts}`);
  });

  test('vertex colours are interpolated: red on top, blue underneath', async () => {
    const model = normaliseModel(await load('fixtures/generated/vertex-colours.glb'));
    const points = sampleSurfacePoints(model.group, { count: 3000 });
    for (let point = 0; point < points.count; point++) {
      const normalY = points.normals[point * 3 + 1];
      const [red, green, blue] = points.colours.subarray(point * 3, point * 3 + 3);
      if (normalY > 0.999) assert.ok(red > 250 && blue < 5 && green < 5, `top face point is ${[red, green, blue]}`);
      if (normalY < -0.999) assert.ok(blue > 250 && red < 5 && green < 5, `bottom face point is ${[red, green, blue]}`);
    }
  });

  test('the same model always gets the same points', async () => {
    const first = sampleSurfacePoints(normaliseModel(await load('fixtures/sample/Suzanne.glb')).group, { count: 500 });
    const second = sampleSurfacePoints(normaliseModel(await load('fixtures/sample/Suzanne.glb')).group, { count: 500 });
    assert.deepEqual(first.positions, second.positions);
    assert.deepEqual(first.colours, second.colours);
  });

  test('the PLY round-trips: header in 3DGS layout, values exact', () => {
    const points = {
      count: 2,
      positions: new Float32Array([0.25, -0.5, 1, 0, 0, -0.125]),
      normals: new Float32Array([0, 0, 1, 1, 0, 0]),
      colours: new Uint8Array([255, 128, 0, 1, 2, 3]),
    };
    const ply = parsePly(encodePly(points, ['made by a test']));
    assert.match(ply.header, /^ply\nformat binary_little_endian 1\.0\ncomment made by a test\nelement vertex 2\n/);
    assert.deepEqual(ply.positions, [[0.25, -0.5, 1], [0, 0, -0.125]]);
    assert.deepEqual(ply.normals, [[0, 0, 1], [1, 0, 0]]);
    assert.deepEqual(ply.colours, [[255, 128, 0], [1, 2, 3]]);
  });
});
