// headless-gl ships no type declarations; this is the part of its API Renderbay uses.
declare module 'gl' {
  interface HeadlessGLOptions {
    alpha?: boolean;
    depth?: boolean;
    stencil?: boolean;
    antialias?: boolean;
    premultipliedAlpha?: boolean;
    preserveDrawingBuffer?: boolean;
  }
  type HeadlessGLContext = WebGLRenderingContext;
  function createGL(width: number, height: number, options?: HeadlessGLOptions): HeadlessGLContext | null;
  export default createGL;
}
