/** curl as API documents show it (the compat surfaces' tests): the status code is the last line curl writes. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CurlResult {
  status: number;
  body: any;
  text: string;
}

export async function curl(...args: string[]): Promise<CurlResult> {
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...args], { maxBuffer: 64 * 1024 * 1024 });
  const split = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, split);
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: Number(stdout.slice(split + 1)), body, text };
}
