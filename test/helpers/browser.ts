/**
 * Headless Chromium for browser tests, driven by puppeteer-core: Debian's `chromium` package
 * (scripts/setup.sh installs it; nothing is downloaded at npm install). Where no browser is
 * installed, `findChromium` returns null and the browser tests skip with a message saying so.
 * Screenshots go to test-output/screenshots/ (git-ignored) for review.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const SCREENSHOT_DIRECTORY = path.resolve('test-output/screenshots');

/** RENDERBAY_CHROMIUM, when set, is the only browser tried (set it to a missing path to see the tests skip). */
export function findChromium(): string | null {
  const candidates = process.env.RENDERBAY_CHROMIUM ? [process.env.RENDERBAY_CHROMIUM] : CANDIDATES;
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

export const NO_CHROMIUM = 'no Chromium found (install Debian\'s "chromium" package, e.g. with scripts/setup.sh, or set RENDERBAY_CHROMIUM): browser tests skipped';

/** With `webgl`, WebGL runs on SwiftShader (the CPU): headless Chromium on a machine without a GPU then still draws 3D. */
export async function launchChromium(executablePath: string, options: { webgl?: boolean } = {}): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath,
    headless: true,
    // No sandbox: CI containers run as root. Autoplay without a click, as a page visitor's muted video does.
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--autoplay-policy=no-user-gesture-required',
      '--mute-audio',
      ...(options.webgl ? ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] : []),
    ],
  });
}

/** Signs in through the portal's form (as a person would) and waits for the app to show. */
export async function signInThroughForm(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(`${origin}/portal/signin`, { waitUntil: 'load' });
  await page.type('#key', key);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
}

/**
 * How much an element's pixels vary, from a screenshot of it: the share of pixels that differ
 * from its most common colour. A canvas that drew nothing (or one flat colour) gives 0.
 */
export async function drawnShare(page: Page, selector: string): Promise<number> {
  const { default: sharp } = await import('sharp');
  const element = await page.$(selector);
  if (!element) throw new Error(`no element ${selector}`);
  const png = Buffer.from(await element.screenshot({ type: 'png' }));
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const counts = new Map<number, number>();
  for (let index = 0; index < data.length; index += info.channels) {
    const colour = (data[index] << 16) | (data[index + 1] << 8) | data[index + 2];
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  const pixels = data.length / info.channels;
  return 1 - Math.max(...counts.values()) / pixels;
}

/** Waits (deadline-based, for a loaded machine) until the page's first <video> has played past `seconds`. */
export async function videoPlayback(page: Page, seconds = 0.3, timeoutMs = 30_000): Promise<{ currentTime: number; videoWidth: number; videoHeight: number; error: number | null; errorMessage: string | null }> {
  await page.waitForFunction((past: number) => {
    const video = document.querySelector('video');
    return !!video && (video.error !== null || video.currentTime > past);
  }, { timeout: timeoutMs, polling: 100 }, seconds);
  return page.evaluate(() => {
    const video = document.querySelector('video')!;
    return { currentTime: video.currentTime, videoWidth: video.videoWidth, videoHeight: video.videoHeight, error: video.error?.code ?? null, errorMessage: video.error?.message ?? null };
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIRECTORY, { recursive: true });
  const file = path.join(SCREENSHOT_DIRECTORY, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The HTTP status of every request a page makes, by URL, from the DevTools protocol: media
 * loads and cross-origin answers that Chromium blocks (ORB: a 403 JSON body to a <video>)
 * never reach puppeteer's 'response' event, but their status line does reach ExtraInfo.
 */
export async function recordStatuses(page: Page): Promise<Map<string, number>> {
  const urls = new Map<string, string>();
  const statuses = new Map<string, number>();
  const devtools = await page.createCDPSession();
  await devtools.send('Network.enable');
  devtools.on('Network.requestWillBeSent', ({ requestId, request }) => urls.set(requestId, request.url));
  devtools.on('Network.responseReceivedExtraInfo', ({ requestId, statusCode }) => {
    const url = urls.get(requestId);
    if (url !== undefined) statuses.set(url, statusCode);
  });
  return statuses;
}
