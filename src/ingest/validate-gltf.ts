/**
 * Runs the Khronos glTF Validator on a model and keeps its report in a compact, stable
 * shape (counts, and the first messages with their JSON pointers). External resources
 * are served only from the files the caller hands over (an archive's contents); any URI
 * with a scheme, an absolute path or a `..` segment is refused, so validation can never
 * read the disk or reach the network.
 *
 * A report is `blocking` when it holds an error that breaks loading or rendering (data
 * out of bounds, unresolved references, broken GLB containers, unreadable images, …).
 * Other errors (say, a wrong accessor.min) are reported but do not stop the model.
 *
 * ```ts
 * const report = await validateGltf(glbBytes, { subject: 'upload' });
 * if (report.blocking) markInvalid(report.messages.filter((m) => m.severity === 'error'));
 * ```
 */
import validator, { type ValidatorReport } from 'gltf-validator';
import { LIMITS } from '../limits.js';
import { jsonHazard } from './json-hazards.js';
import { unsafeUri } from './read-gltf-source.js';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface ValidationMessage {
  severity: Severity;
  code: string;
  message: string;
  /** JSON pointer into the glTF (e.g. `/meshes/0/primitives/0/indices`), when the validator gives one. */
  pointer?: string;
}

export interface ValidationReport {
  validator: string;
  /** What was validated: the uploaded glTF itself, or the GLB converted from an OBJ scan. */
  subject: 'upload' | 'converted';
  errors: number;
  warnings: number;
  infos: number;
  hints: number;
  /** True when errors that break rendering were found (the model is then marked invalid). */
  blocking: boolean;
  /** At most `LIMITS.maxValidationMessages`, most severe first; `truncated` when some were left out. */
  messages: ValidationMessage[];
  truncated: boolean;
}

export interface ValidateOptions {
  subject: ValidationReport['subject'];
  /** Files a .gltf may refer to, by their path relative to it (forward slashes). */
  resources?: ReadonlyMap<string, Uint8Array>;
  /** Most messages kept. */
  maxMessages?: number;
}

const SEVERITIES: Severity[] = ['error', 'warning', 'info', 'hint'];
/** The validator stops collecting after this many issues (a badly broken model can have millions); `truncated` says so. */
const MAX_ISSUES = 10_000;

/** Validator error codes that mean a loader cannot read the model or renders garbage. */
const BLOCKING_CODES = new Set([
  'IO_ERROR',
  'INVALID_JSON',
  'INVALID_URI',
  'UNKNOWN_ASSET_MAJOR_VERSION',
  'BUFFER_MISSING_GLB_DATA',
  'BUFFER_BYTE_LENGTH_MISMATCH',
  'BUFFER_VIEW_TOO_LONG',
  'ACCESSOR_TOO_LONG',
  'ACCESSOR_INDEX_OOB',
  'ACCESSOR_INVALID_FLOAT',
  'ACCESSOR_SPARSE_INDEX_OOB',
  'ACCESSOR_JOINTS_INDEX_OOB',
  'MESH_PRIMITIVE_UNEQUAL_ACCESSOR_COUNT',
  'UNRESOLVED_REFERENCE',
  'NODE_LOOP',
  'IMAGE_DATA_INVALID',
  'IMAGE_UNEXPECTED_EOS',
]);

/** Validator codes that make a model unrenderable (when reported as errors). */
function isBlockingCode(code: string): boolean {
  return BLOCKING_CODES.has(code) || code.startsWith('GLB_');
}

function isBlocking(code: string, severity: number): boolean {
  return severity === 0 && isBlockingCode(code);
}

/** Resolves a URI the validator asks for against the handed-over files only. */
function resourceLoader(resources: ReadonlyMap<string, Uint8Array> | undefined): (uri: string) => Promise<Uint8Array> {
  return async (uri) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(uri);
    } catch {
      throw new Error(`malformed URI ${uri}`);
    }
    if (unsafeUri(uri) !== null) {
      throw new Error(`refused to load ${uri}: only files inside the upload are allowed`);
    }
    const bytes = resources?.get(decoded.replace(/^\.\//, ''));
    if (!bytes) throw new Error(`${uri} is not in the upload`);
    return bytes;
  };
}

export async function validateGltf(bytes: Uint8Array, options: ValidateOptions): Promise<ValidationReport> {
  const maxMessages = options.maxMessages ?? LIMITS.maxValidationMessages;
  const hazard = jsonHazard(bytes);
  if (hazard) return unvalidated(options.subject, 'INVALID_JSON', `${hazard}; the validator was not run`);
  let report: ValidatorReport;
  try {
    report = await containingCrashes(() =>
      validator.validateBytes(bytes, {
        writeTimestamp: false,
        maxIssues: MAX_ISSUES,
        externalResourceFunction: resourceLoader(options.resources),
      }),
    );
  } catch (error) {
    // The validator rejects only when it cannot even tell glTF from GLB; a crash is reported as its failure.
    const message = typeof error === 'string' ? error : (error as Error).message;
    return unvalidated(options.subject, 'INVALID_DATA', error instanceof ValidatorCrash ? `The glTF validator failed on this file (${message})` : message);
  }
  const sorted = [...report.issues.messages].sort((a, b) => a.severity - b.severity);
  return {
    validator: validatorName(report.validatorVersion),
    subject: options.subject,
    errors: report.issues.numErrors,
    warnings: report.issues.numWarnings,
    infos: report.issues.numInfos,
    hints: report.issues.numHints,
    blocking: report.issues.messages.some((message) => isBlocking(message.code, message.severity)),
    messages: sorted.slice(0, maxMessages).map((message) => ({
      severity: SEVERITIES[message.severity] ?? 'info',
      code: message.code,
      message: message.message,
      ...(message.pointer ? { pointer: message.pointer } : {}),
    })),
    truncated: report.issues.truncated || sorted.length > maxMessages,
  };
}

class ValidatorCrash extends Error {}

/**
 * Runs the validator, taking an exception it throws past its own promise as its failure.
 * Its Dart runtime does that on some hostile files (a PNG whose first chunk is not IHDR
 * completes a future twice), from a callback no try/catch reaches; left alone, it would end
 * the ingest thread. Ingest threads run one task at a time, so while the validator runs,
 * an uncaught exception there is the validator's. One more turn of the event loop after it
 * answers lets a late throw be seen.
 */
async function containingCrashes<T>(run: () => Promise<T>): Promise<T> {
  let crash: ValidatorCrash | null = null;
  let crashed!: () => void;
  const crashSeen = new Promise<void>((resolve) => (crashed = resolve));
  const onCrash = (error: unknown) => {
    crash ??= new ValidatorCrash(error instanceof Error ? error.message : String(error));
    crashed();
  };
  process.on('uncaughtException', onCrash);
  try {
    const running = run();
    running.catch(() => undefined); // a rejection after a crash has no one left to hear it
    const result = await Promise.race([running, crashSeen.then(() => null)]);
    await new Promise((resolve) => setImmediate(resolve));
    if (crash) throw crash;
    return result as T;
  } finally {
    process.off('uncaughtException', onCrash);
  }
}

/** A report with the one blocking error that stopped validation before it began. */
function unvalidated(subject: ValidationReport['subject'], code: string, message: string): ValidationReport {
  return {
    validator: validatorName(),
    subject,
    errors: 1,
    warnings: 0,
    infos: 0,
    hints: 0,
    blocking: true,
    messages: [{ severity: 'error', code, message }],
    truncated: false,
  };
}

function validatorName(version: string = validator.version()): string {
  return `Khronos glTF Validator ${version}`;
}

/** The blocking errors as one line each (`CODE at /pointer: message`), for an invalid model's reason. */
export function blockingSummary(report: ValidationReport, most = 5): string[] {
  return report.messages
    .filter((message) => message.severity === 'error' && (isBlockingCode(message.code) || message.code === 'INVALID_DATA'))
    .slice(0, most)
    .map((message) => `${message.code}${message.pointer ? ` at ${message.pointer}` : ''}: ${message.message}`);
}
