/**
 * Where the ffmpeg binary lives. It ships inside the @ffmpeg-installer npm package (a
 * static 4.1 build with libx264, prores_ks and libvpx-vp9), so Renderbay never depends
 * on whatever ffmpeg the host may or may not have. Every module that runs ffmpeg imports
 * the path from here, so swapping the binary is a one-line change.
 */
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

export const ffmpegPath: string = ffmpegInstaller.path;
