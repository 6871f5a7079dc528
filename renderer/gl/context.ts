/**
 * A three.js WebGLRenderer on a headless-gl (WebGL 1) context.
 *
 * headless-gl has no canvas: three gets a minimal canvas-like object whose getContext
 * returns the GL context. The drawing buffer is never read: every pass renders into
 * render targets, so the context itself stays 1×1.
 */
import createGL from 'gl';
import * as THREE from 'three';
import { RenderbayError } from '../../src/errors.js';

export interface GLRenderer {
  renderer: THREE.WebGLRenderer;
  gl: WebGLRenderingContext;
  /**
   * Frees every GL resource at once by destroying the context. (WebGLRenderer.dispose()
   * would need browser animation-frame globals, and a worker exits after one render.)
   */
  dispose(): void;
}

export function createGLRenderer(): GLRenderer {
  if (!process.env.DISPLAY) {
    throw new RenderbayError('display_unavailable', 'No X display: the renderer worker must be started with DISPLAY set', 500);
  }
  const gl = createGL(1, 1, { preserveDrawingBuffer: false, antialias: false, alpha: true, premultipliedAlpha: false });
  if (!gl) {
    throw new RenderbayError('gl_unavailable', `Could not create a WebGL context on display ${process.env.DISPLAY}`, 500);
  }
  const canvas = {
    width: 1,
    height: 1,
    style: {},
    addEventListener() {},
    removeEventListener() {},
    getContext: () => gl,
  };
  const renderer = new THREE.WebGLRenderer({
    canvas: canvas as unknown as HTMLCanvasElement,
    context: gl as unknown as WebGLRenderingContext,
    antialias: false,
    alpha: true,
  });
  renderer.toneMapping = THREE.ACESFilmicToneMapping;
  renderer.toneMappingExposure = 1;
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  return {
    renderer,
    gl: gl as unknown as WebGLRenderingContext,
    dispose() {
      (gl.getExtension('STACKGL_destroy_context') as { destroy(): void } | null)?.destroy();
    },
  };
}

/**
 * A colour render target that three treats like the screen: tone mapping and sRGB
 * encoding are applied in the material shaders (three does this only for the canvas or
 * XR targets). 8-bit sRGB keeps dark gradients free of banding, unlike 8-bit linear, and
 * avoids float targets, which are slower on llvmpipe.
 */
export function createDisplayReferredTarget(width: number, height: number): THREE.WebGLRenderTarget {
  const target = new THREE.WebGLRenderTarget(width, height, {
    type: THREE.UnsignedByteType,
    format: THREE.RGBAFormat,
    colorSpace: THREE.SRGBColorSpace,
    depthBuffer: true,
    stencilBuffer: false,
    generateMipmaps: false,
    minFilter: THREE.LinearFilter,
    magFilter: THREE.LinearFilter,
  });
  (target as unknown as { isXRRenderTarget: boolean }).isXRRenderTarget = true;
  return target;
}
