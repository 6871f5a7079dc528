/**
 * mcp.json.example: every client's entries are well-formed and point at what Renderbay
 * serves — `renderbay mcp` (the package's bin, a real command) over stdio, `/mcp` with a
 * bearer key over HTTP, in each client's own field names.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CLI } from './helpers/mcp.js';

interface Entry {
  type?: string;
  command?: string;
  args?: string[];
  url?: string;
  serverUrl?: string;
  headers?: Record<string, string>;
}

test('mcp.json.example has working entries for Claude Desktop, Cursor, Windsurf and VS Code', async () => {
  const example = JSON.parse(await readFile('mcp.json.example', 'utf8')) as Record<string, any>;
  const { bin } = JSON.parse(await readFile('package.json', 'utf8')) as { bin: Record<string, string> };
  assert.ok(bin.renderbay, 'the package installs a renderbay command');
  const lists: Record<string, Record<string, Entry>> = {
    'claude-desktop': example['claude-desktop'].mcpServers,
    cursor: example.cursor.mcpServers,
    windsurf: example.windsurf.mcpServers,
    vscode: example.vscode.servers,
  };
  for (const [client, servers] of Object.entries(lists)) {
    assert.deepEqual([servers.renderbay.command, servers.renderbay.args], ['renderbay', ['mcp']], `${client} stdio entry`);
    const http = servers['renderbay-http'];
    if (client === 'claude-desktop') {
      assert.equal(http, undefined, 'Claude Desktop config files take stdio servers only');
      continue;
    }
    const address = client === 'windsurf' ? http.serverUrl : http.url;
    assert.equal(address, 'http://127.0.0.1:8080/mcp', `${client} HTTP entry (${client === 'windsurf' ? 'serverUrl' : 'url'})`);
    assert.match(http.headers?.Authorization ?? '', /^Bearer \S+$/, `${client} sends the key`);
  }
  assert.equal(lists.vscode.renderbay.type, 'stdio');
  assert.equal(lists.vscode['renderbay-http'].type, 'http');
  assert.ok(example.vscode.inputs.some((input: { id: string }) => lists.vscode['renderbay-http'].headers!.Authorization.includes(`\${input:${input.id}}`)));

  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'mcp', '--help']);
  assert.match(stdout, /MCP over stdio/);
  for (const option of ['--data', '--allow-private-urls', '--initial-credits']) assert.ok(stdout.includes(option), option);
});
