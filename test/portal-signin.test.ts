/**
 * Portal sign-in on a real `renderbay serve`: an API key is exchanged for an HttpOnly,
 * SameSite=Strict session cookie; the session ends with sign-out or when its key is revoked;
 * POSTs without the form's CSRF token, or sent from another site, answer 403 csrf_failed.
 * Then in headless Chromium (skipped, saying why, where none is installed): sign in through
 * the form, the page script cannot read the cookie, sign out. Screenshots: test-output/screenshots/portal-*.png.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, createKey, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { findChromium, launchChromium, NO_CHROMIUM, screenshot } from './helpers/browser.js';

let dataDirectory: string;
let server: ServerProcess;
let origin: string;
let key: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-portal-'));
  key = await createKey(dataDirectory, { name: 'laptop' });
  server = await startServerProcess(dataDirectory);
  origin = new URL(server.url).origin;
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

interface PageResponse {
  status: number;
  location: string | null;
  setCookies: string[];
  text: string;
}

async function request(method: string, route: string, options: { cookies?: Record<string, string>; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<PageResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookies) headers.cookie = Object.entries(options.cookies).map(([name, value]) => `${name}=${value}`).join('; ');
  if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(`${origin}${route}`, { method, headers, redirect: 'manual', body: options.form ? new URLSearchParams(options.form).toString() : undefined });
  return { status: response.status, location: response.headers.get('location'), setCookies: response.headers.getSetCookie(), text: await response.text() };
}

const cookieValue = (setCookies: string[], name: string) => setCookies.find((line) => line.startsWith(`${name}=`))?.split(';')[0].slice(name.length + 1);
const hiddenCsrf = (text: string) => /name="csrf" value="([^"]+)"/.exec(text)?.[1];
const errorCode = (response: PageResponse) => (JSON.parse(response.text) as { error: { code: string } }).error.code;

/** GET the sign-in page: its CSRF cookie and the same token in the form. */
async function signInForm() {
  const page = await request('GET', '/portal/signin');
  assert.equal(page.status, 200);
  const token = cookieValue(page.setCookies, 'rb_portal_signin')!;
  assert.equal(hiddenCsrf(page.text), token);
  return token;
}

async function signIn(apiKey: string) {
  const token = await signInForm();
  return request('POST', '/portal/signin', { cookies: { rb_portal_signin: token }, form: { csrf: token, key: apiKey }, headers: { origin } });
}

describe('sign in and out', () => {
  test('without a session /portal sends to the sign-in form', async () => {
    const home = await request('GET', '/portal');
    assert.deepEqual([home.status, home.location], [303, '/portal/signin']);
  });

  test('a key becomes an HttpOnly SameSite=Strict cookie scoped to /portal; the page shows who is signed in', async () => {
    const signedIn = await signIn(key);
    assert.deepEqual([signedIn.status, signedIn.location], [303, '/portal']);
    const line = signedIn.setCookies.find((cookie) => cookie.startsWith('rb_portal_session='))!;
    assert.match(line, /; Path=\/portal; HttpOnly; SameSite=Strict; Max-Age=604800$/);
    assert.ok(!line.includes(key), 'the cookie is not the key');
    const session = cookieValue(signedIn.setCookies, 'rb_portal_session')!;
    const home = await request('GET', '/portal', { cookies: { rb_portal_session: session } });
    assert.equal(home.status, 200);
    assert.ok(home.text.includes('Signed in as <strong>local@renderbay</strong>'), home.text);
    assert.ok(home.text.includes('(laptop)'));
  });

  test('a wrong key: 401 with the form again and the reason; no session', async () => {
    const refused = await signIn('rb_sk_not-a-key');
    assert.equal(refused.status, 401);
    assert.ok(refused.text.includes('Invalid API key'));
    assert.equal(cookieValue(refused.setCookies, 'rb_portal_session'), undefined);
  });

  test('CSRF: sign-in without the form token, with another token, or from another site: 403 csrf_failed', async () => {
    const token = await signInForm();
    const attempts = [
      request('POST', '/portal/signin', { form: { csrf: token, key } }),
      request('POST', '/portal/signin', { cookies: { rb_portal_signin: token }, form: { csrf: `${token.slice(1)}x`, key } }),
      request('POST', '/portal/signin', { cookies: { rb_portal_signin: token }, form: { csrf: token, key }, headers: { origin: 'https://evil.example' } }),
      request('POST', '/portal/signin', { cookies: { rb_portal_signin: token }, form: { csrf: token, key }, headers: { 'sec-fetch-site': 'cross-site' } }),
    ];
    for (const response of await Promise.all(attempts)) {
      assert.equal(response.status, 403, response.text);
      assert.equal(errorCode(response), 'csrf_failed');
    }
  });

  test('sign-out needs the session\'s CSRF token; afterwards the cookie no longer works', async () => {
    const session = cookieValue((await signIn(key)).setCookies, 'rb_portal_session')!;
    const home = await request('GET', '/portal', { cookies: { rb_portal_session: session } });
    const csrf = hiddenCsrf(home.text)!;
    const forged = await request('POST', '/portal/signout', { cookies: { rb_portal_session: session }, form: { csrf: 'guess' } });
    assert.deepEqual([forged.status, errorCode(forged)], [403, 'csrf_failed']);
    const crossSite = await request('POST', '/portal/signout', { cookies: { rb_portal_session: session }, form: { csrf }, headers: { origin: 'https://evil.example' } });
    assert.equal(crossSite.status, 403);
    const out = await request('POST', '/portal/signout', { cookies: { rb_portal_session: session }, form: { csrf } });
    assert.deepEqual([out.status, out.location], [303, '/portal/signin']);
    assert.match(out.setCookies.join('\n'), /rb_portal_session=; Path=\/portal; HttpOnly; SameSite=Strict; Max-Age=0/);
    assert.equal((await request('GET', '/portal', { cookies: { rb_portal_session: session } })).status, 303);
  });

  test('revoking the key ends its sessions', async () => {
    const other = await createKey(dataDirectory, { name: 'temporary' });
    const session = cookieValue((await signIn(other)).setCookies, 'rb_portal_session')!;
    assert.equal((await request('GET', '/portal', { cookies: { rb_portal_session: session } })).status, 200);
    await cli('keys', 'revoke', other, '--data', dataDirectory);
    assert.equal((await request('GET', '/portal', { cookies: { rb_portal_session: session } })).status, 303);
  });
});

describe('in a real browser', () => {
  const chromium = findChromium();

  test('sign in through the form, the cookie is out of the page script\'s reach, sign out', { skip: chromium ? false : NO_CHROMIUM }, async () => {
    const browser = await launchChromium(chromium!);
    try {
      const page = await (await browser.createBrowserContext()).newPage();
      await page.goto(`${origin}/portal`, { waitUntil: 'load' });
      assert.equal(new URL(page.url()).pathname, '/portal/signin');
      await screenshot(page, 'portal-signin');
      await page.type('#key', key);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
      assert.equal(new URL(page.url()).pathname, '/portal');
      assert.ok((await page.content()).includes('local@renderbay'));
      assert.equal(await page.evaluate(() => document.cookie), '', 'HttpOnly: scripts see no cookie');
      const [cookie] = (await page.cookies()).filter((item) => item.name === 'rb_portal_session');
      assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path], [true, 'Strict', '/portal']);
      await screenshot(page, 'portal-signed-in');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
      assert.equal(new URL(page.url()).pathname, '/portal/signin');
      assert.equal((await page.cookies()).filter((item) => item.name === 'rb_portal_session').length, 0);
    } finally {
      await browser.close();
    }
  });
});
