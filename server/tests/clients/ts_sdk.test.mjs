// The TypeScript SDK's Client (npm @modelcontextprotocol/sdk) against the real
// `teetrack` binary, over stdio and Streamable HTTP, with its default output
// validation on: once tools/list is read, every callTool result's
// structuredContent is checked against the tool's outputSchema — on error
// results too, which is why an error's body must travel as text only. A
// workflow of successes and one error of each kind we can provoke; each
// error's code and message must arrive intact.
//
//   TEETRACK_BIN=/path/to/teetrack node --test ts_sdk.test.mjs   (see run.sh)

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const BIN = process.env.TEETRACK_BIN;
assert.ok(BIN, "TEETRACK_BIN names the teetrack binary");
const EMAIL = "ada@example.com";

/** A fresh database with a user and a token, made with the CLI. */
function account() {
  const dir = mkdtempSync(join(tmpdir(), "teetrack-ts-"));
  const env = { PATH: process.env.PATH, HOME: dir, TEETRACK_DATABASE_URL: join(dir, "teetrack.db") };
  const cli = (...args) => execFileSync(BIN, args, { env, encoding: "utf8" });
  cli("users", "add", EMAIL);
  const token = cli("tokens", "create", EMAIL).trim();
  after(() => rmSync(dir, { recursive: true, force: true }));
  return { env, token };
}

/** `teetrack serve` on a free loopback port; resolves to its MCP URL. */
function serve({ env }) {
  const child = spawn(BIN, ["serve", "--listen", "127.0.0.1:0"], { env, stdio: ["ignore", "ignore", "pipe"] });
  after(() => child.kill());
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/serving MCP at (\S+)\r?\n/);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`teetrack serve exited with ${code}: ${seen}`)));
  });
}

async function connect(transport) {
  const acc = account();
  const client = new Client({ name: "teetrack-ts-sdk-test", version: "1.0.0" });
  if (transport === "stdio") {
    await client.connect(
      new StdioClientTransport({
        command: BIN,
        args: ["mcp"],
        env: { PATH: process.env.PATH, TEETRACK_DATABASE_URL: acc.env.TEETRACK_DATABASE_URL, TEETRACK_MCP_TOKEN: acc.token },
        stderr: "ignore",
      }),
    );
  } else {
    const url = await serve(acc);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: `Bearer ${acc.token}` } },
      }),
    );
  }
  after(() => client.close());
  return client;
}

function anHourAgo() {
  return new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
}

for (const transport of ["stdio", "http"]) {
  describe(`TypeScript SDK over ${transport}`, () => {
    test("lists every tool, then successes validate and every error arrives intact", async () => {
      const client = await connect(transport);
      // Reading the list turns on the client's output validation.
      const { tools } = await client.listTools();
      assert.ok(tools.length >= 40, `${tools.length} tools`);
      assert.ok(tools.every((t) => t.outputSchema && t.inputSchema.type === "object"));

      const ok = async (name, args) => {
        const result = await client.callTool({ name, arguments: args });
        assert.equal(result.isError, false, JSON.stringify(result));
        assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
        return result.structuredContent;
      };
      // Throws (MCP error -32602 "Structured content does not match…") if the
      // body came as structuredContent.
      const refused = async (code, name, args) => {
        const result = await client.callTool({ name, arguments: args });
        assert.equal(result.isError, true, JSON.stringify(result));
        assert.equal(result.structuredContent, undefined);
        assert.equal(result.content.length, 1);
        const body = JSON.parse(result.content[0].text);
        assert.equal(body.code, code, result.content[0].text);
        assert.ok(body.message.length > 0, result.content[0].text);
        return body;
      };

      const context = await ok("get_context", {});
      assert.equal(context.user.email, EMAIL);
      await ok("start_timer", { description: "TypeScript SDK", start: anHourAgo() });
      await refused("timer_running", "start_timer", { if_running: "error" });
      await ok("stop_timer", {});
      await refused("no_timer_running", "stop_timer", {});
      const missing = await refused("not_found", "get_track", { id: 999999 });
      assert.match(missing.message, /999999/);
      await refused("invalid_argument", "log_track", { start: "2026-11-24 10:00", end: "2026-11-24 09:00" });
      const website = await ok("create_project", { name: "Website" });
      const id = (website.project ?? website).id;
      await ok("create_project", { name: String(id) });
      const ambiguous = await refused("ambiguous", "start_timer", { project: String(id) });
      assert.deepEqual(ambiguous.candidates.map((c) => c.name).sort(), [String(id), "Website"].sort());
      const tier = await refused("tier_required", "create_invoice", { client: "Acme", lines: [] });
      assert.equal(tier.required_tier, "pro");
      assert.equal(tier.message, "`create_invoice` needs the pro tier");
      await ok("list_tracks", {});
    });
  });
}
