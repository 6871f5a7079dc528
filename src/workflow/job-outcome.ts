/**
 * What a job is, derived from its renders alone (a job has no status of its own to get out
 * of step): `queued` while none has started, `rendering` while any is unfinished,
 * `completed` when all are done, `failed` when all have finished and one did not succeed.
 * And the files it delivered, named "<bookmark or shot> - <variant or Default>".
 */
import path from 'node:path';
import { renderAssets, stillAssets } from '../renders/render-assets.js';
import { FINISHED_STATUSES, type RenderRow, type RenderStatus } from '../renders/render-service.js';
import { stillRoute } from '../renders/render-stills.js';

export const JOB_STATUSES = ['queued', 'rendering', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Which file of a video render a job delivers: the full video, or its web variant (smaller MP4). */
export const VIDEO_FILES = ['full', 'web'] as const;
export type VideoFile = (typeof VIDEO_FILES)[number];

export function jobStatus(statuses: readonly RenderStatus[]): JobStatus {
  if (statuses.length === 0) return 'failed'; // its renders were deleted: nothing will be delivered
  if (!statuses.every((status) => FINISHED_STATUSES.includes(status))) return statuses.every((status) => status === 'pending') ? 'queued' : 'rendering';
  return statuses.every((status) => status === 'done') ? 'completed' : 'failed';
}

export interface JobFile {
  /** "<bookmark or shot> - <variant or Default>" */
  name: string;
  renderId: string;
  /** png, jpeg, webp, avif (stills); mp4 or prores (videos). */
  type: string;
  isVideo: boolean;
  /** Where the file is served, relative to the API root (`/renders/…`). */
  route: string;
}

const STILL_TYPES: Record<string, string> = { '.png': 'png', '.jpg': 'jpeg', '.webp': 'webp', '.avif': 'avif' };

/** The files of one done render of a job: each still of a bookmarks render, or the video of a shot. */
export function jobRenderFiles(row: Pick<RenderRow, 'id' | 'status' | 'settings' | 'assets'>, shot: string | null, videoFile: VideoFile): JobFile[] {
  if (row.status !== 'done') return [];
  const settings = JSON.parse(row.settings) as { materialVariant?: string; quality?: string };
  const variant = settings.materialVariant ?? 'Default';
  if (shot === null) {
    return stillAssets(renderAssets(row)).map(({ name, asset }) => ({
      name: `${name} - ${variant}`,
      renderId: row.id,
      type: STILL_TYPES[path.extname(asset.fileName ?? '')] ?? 'png',
      isVideo: false,
      route: stillRoute(row.id, name),
    }));
  }
  const web = videoFile === 'web';
  const prores = !web && settings.quality === 'pro';
  const route = `/renders/${encodeURIComponent(row.id)}/video${web ? '?quality=web' : ''}`;
  return [{ name: `${shot} - ${variant}`, renderId: row.id, type: prores ? 'prores' : 'mp4', isVideo: true, route }];
}
