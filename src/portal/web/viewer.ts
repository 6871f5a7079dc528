/**
 * The model page's interactive 3D view: three.js (0.162, bundled into its own chunk, loaded
 * only on a model page), GLTFLoader, OrbitControls (drag to orbit, wheel to zoom, arrow keys
 * to turn when focused), a neutral room environment. The model is framed to its bounding box.
 * It draws on demand — when the camera moves (until damping settles), on resize, and every frame
 * only while a clip plays — so a still view costs no CPU (WebGL may be software-rendered).
 */
import { ACESFilmicToneMapping, Box3, Color, PerspectiveCamera, PMREMGenerator, Scene, SRGBColorSpace, Vector3, WebGLRenderer, AnimationMixer, Clock } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { RoomEnvironment } from 'three/examples/jsm/environments/RoomEnvironment.js';

export interface Viewer {
  dispose(): void;
}

export async function mountViewer(container: HTMLElement, modelUrl: string, onStatus: (status: string) => void): Promise<Viewer> {
  const canvas = document.createElement('canvas');
  canvas.tabIndex = 0;
  canvas.setAttribute('aria-label', 'Interactive 3D view of the model: drag or use the arrow keys to turn it, scroll to zoom');
  canvas.setAttribute('role', 'img');
  container.replaceChildren(canvas);
  const renderer = new WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(devicePixelRatio, 2));
  renderer.outputColorSpace = SRGBColorSpace;
  renderer.toneMapping = ACESFilmicToneMapping;
  const scene = new Scene();
  scene.background = new Color(0x2a2d33);
  const environment = new PMREMGenerator(renderer).fromScene(new RoomEnvironment(renderer), 0.04).texture;
  scene.environment = environment;
  const camera = new PerspectiveCamera(40, 1, 0.01, 1000);
  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = true;
  controls.listenToKeyEvents(canvas);

  let mixer: AnimationMixer | null = null;
  const clock = new Clock();
  let frame = 0;
  let disposed = false;
  let scheduled = false;
  const draw = () => {
    scheduled = false;
    const moving = controls.update();
    mixer?.update(clock.getDelta());
    renderer.render(scene, camera);
    if (moving || mixer) requestDraw();
  };
  const requestDraw = () => {
    if (scheduled || disposed) return;
    scheduled = true;
    frame = requestAnimationFrame(draw);
  };
  controls.addEventListener('change', requestDraw);
  const resize = () => {
    const width = container.clientWidth || 320;
    const height = Math.round(width * 0.62);
    renderer.setSize(width, height, false);
    canvas.style.width = '100%';
    canvas.style.height = 'auto';
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    requestDraw();
  };
  const observer = new ResizeObserver(resize);
  observer.observe(container);
  resize();

  onStatus('loading');
  const gltf = await new GLTFLoader().loadAsync(modelUrl);
  if (disposed) return { dispose() {} };
  scene.add(gltf.scene);
  const box = new Box3().setFromObject(gltf.scene);
  const size = box.getSize(new Vector3()).length() || 1;
  const center = box.getCenter(new Vector3());
  controls.target.copy(center);
  camera.position.copy(center).add(new Vector3(0.6, 0.35, 1).normalize().multiplyScalar(size * 1.1));
  camera.near = size / 100;
  camera.far = size * 100;
  camera.updateProjectionMatrix();
  if (gltf.animations.length > 0) {
    mixer = new AnimationMixer(gltf.scene);
    mixer.clipAction(gltf.animations[0]).play();
  }
  draw();
  container.dataset.ready = 'true';
  onStatus('ready');
  return {
    dispose() {
      disposed = true;
      cancelAnimationFrame(frame);
      observer.disconnect();
      controls.dispose();
      environment.dispose();
      renderer.dispose();
    },
  };
}
