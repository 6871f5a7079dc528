/**
 * Where an image lands on the frame — pure arithmetic, shared by the background image
 * (scaled to cover the frame) and foreground overlays (scaled for the frame's short side).
 *
 * An alignment names the edge or corner of the image kept flush with the same edge or
 * corner of the frame: "top-left" puts the image's top-left corner on the frame's top-left
 * corner, "center" centres it, "bottom-center" puts the middle of its bottom edge on the
 * middle of the frame's bottom edge. Whatever overhangs the frame is cropped.
 */
import type { Alignment } from '../../src/settings/render-settings.js';

export interface Size {
  width: number;
  height: number;
}

/** An image's rectangle in frame pixels (x right, y down); it may overhang the frame. */
export interface Placement extends Size {
  left: number;
  top: number;
}

/** Foreground overlays are authored for a frame whose short side is this many pixels. */
export const OVERLAY_AUTHORED_SHORT_SIDE = 1080;

/** The smallest uniform scale at which the image covers the frame, rounded up to whole pixels (never short of the frame). */
export function coverSize(image: Size, frame: Size): Size {
  const scale = Math.max(frame.width / image.width, frame.height / image.height);
  return {
    width: Math.max(frame.width, Math.ceil(image.width * scale - 1e-9)),
    height: Math.max(frame.height, Math.ceil(image.height * scale - 1e-9)),
  };
}

/** A foreground overlay's size on this frame: as authored for a 1080-pixel short side, scaled uniformly. */
export function overlaySize(image: Size, frame: Size): Size {
  const scale = Math.min(frame.width, frame.height) / OVERLAY_AUTHORED_SHORT_SIDE;
  return { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
}

/** Places an image of `size` on the frame at `alignment` (centred placements round down to whole pixels). */
export function place(alignment: Alignment, size: Size, frame: Size): Placement {
  const [vertical, horizontal] = alignment === 'center' ? ['center', 'center'] : alignment.split('-');
  const offset = (where: string, start: string, image: number, frameSide: number) =>
    where === start ? 0 : where === 'center' ? Math.floor((frameSide - image) / 2) : frameSide - image;
  return {
    left: offset(horizontal!, 'left', size.width, frame.width),
    top: offset(vertical!, 'top', size.height, frame.height),
    ...size,
  };
}

/** The part of a placement inside the frame, in image pixels (`source`) and frame pixels (`left`, `top`); null if none is. */
export function visiblePart(placement: Placement, frame: Size): { source: Placement; left: number; top: number } | null {
  const left = Math.max(0, placement.left);
  const top = Math.max(0, placement.top);
  const right = Math.min(frame.width, placement.left + placement.width);
  const bottom = Math.min(frame.height, placement.top + placement.height);
  if (right <= left || bottom <= top) return null;
  return {
    source: { left: left - placement.left, top: top - placement.top, width: right - left, height: bottom - top },
    left,
    top,
  };
}
