// obj2gltf and gltf-validator ship no type declarations; these cover what Renderbay calls.
declare module 'obj2gltf' {
  interface Obj2GltfOptions {
    binary?: boolean;
    secure?: boolean;
    checkTransparency?: boolean;
    doubleSidedMaterial?: boolean;
    metallicRoughness?: boolean;
    logger?: (message: string) => void;
    inputUpAxis?: 'X' | 'Y' | 'Z';
    outputUpAxis?: 'X' | 'Y' | 'Z';
  }
  function obj2gltf(objPath: string, options?: Obj2GltfOptions): Promise<Buffer | Record<string, unknown>>;
  export default obj2gltf;
}

declare module 'gltf-validator' {
  export interface ValidatorMessage {
    code: string;
    message: string;
    /** 0 error, 1 warning, 2 information, 3 hint. */
    severity: 0 | 1 | 2 | 3;
    pointer?: string;
    offset?: number;
  }
  export interface ValidatorReport {
    uri?: string;
    mimeType?: string;
    validatorVersion: string;
    issues: {
      numErrors: number;
      numWarnings: number;
      numInfos: number;
      numHints: number;
      messages: ValidatorMessage[];
      truncated: boolean;
    };
    info?: Record<string, unknown>;
  }
  export interface ValidationOptions {
    uri?: string;
    format?: 'glb' | 'gltf';
    externalResourceFunction?: (uri: string) => Promise<Uint8Array>;
    writeTimestamp?: boolean;
    maxIssues?: number;
    ignoredIssues?: string[];
    severityOverrides?: Record<string, number>;
  }
  export function validateBytes(data: Uint8Array, options?: ValidationOptions): Promise<ValidatorReport>;
  export function version(): string;
  const validator: { validateBytes: typeof validateBytes; version: typeof version };
  export default validator;
}
