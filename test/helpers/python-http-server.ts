/**
 * `python3 -m http.server` serving a folder on 127.0.0.1: an HTTP/1.0 origin that sends
 * Content-Length and closes the connection after every body, as many simple file hosts do.
 */
import { spawn } from 'node:child_process';

export interface PythonHttpServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  stop(): Promise<void>;
}

export async function startPythonHttpServer(directory: string): Promise<PythonHttpServer> {
  // -u: unbuffered, so the "Serving HTTP on … port N" line arrives while the server runs.
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', directory], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      if (output.includes(' port ')) return; // started: the rest is request logs, read and dropped
      output += String(chunk);
      const match = /port (\d+)/.exec(output);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput); // one request log line each; read so the pipe never fills
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`python3 -m http.server exited with ${code}: ${output}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
