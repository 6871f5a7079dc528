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

export async function launchChromium(executablePath: string): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath,
    headless: true,
    // No sandbox: CI containers run as root. Autoplay without a click, as a page visitor's muted video does.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
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
