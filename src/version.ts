/** Renderbay's version, read once from package.json: the CLI, the MCP server and dataset READMEs report it. */
import { readFileSync } from 'node:fs';

// Compiled to dist/src/version.js, two levels below the package root.
export const RENDERBAY_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
