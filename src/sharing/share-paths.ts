/** The public routes of a shared render, under /portal (no key; 404 while the render is not shareable). */
export const PORTAL_PREFIX = '/portal';

export const sharePagePath = (renderId: string) => `${PORTAL_PREFIX}/v/${encodeURIComponent(renderId)}`;
export const sharePosterPath = (renderId: string) => `${sharePagePath(renderId)}/poster.png`;
export const shareVideoPath = (renderId: string) => `${sharePagePath(renderId)}/web.mp4`;
export const shareStillPath = (renderId: string, name: string) => `${sharePagePath(renderId)}/stills/${encodeURIComponent(name)}`;
export const oembedPath = `${PORTAL_PREFIX}/oembed`;
