// The conformance suite has no way to send a bearer token, and `teetrack
// serve` answers nothing without one: this proxy adds the token to every
// request and forwards everything else untouched (Host and Origin included,
// so the DNS-rebinding checks still reach the server), streaming both ways.
// Closing the client side closes the upstream request, which is how a
// Streamable HTTP client cancels.
//   node auth-proxy.mjs UPSTREAM_PORT   (token in TEETRACK_MCP_TOKEN)
// It listens on a free loopback port and prints it on stdout.
import http from "node:http";

const upstreamPort = Number(process.argv[2]);
const token = process.env.TEETRACK_MCP_TOKEN;
if (!upstreamPort || !token) {
  console.error("usage: TEETRACK_MCP_TOKEN=… node auth-proxy.mjs UPSTREAM_PORT");
  process.exit(2);
}

const proxy = http
  .createServer((req, res) => {
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  })
  .listen(0, "127.0.0.1", () => console.log(proxy.address().port));
