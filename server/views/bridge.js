// The one bridge every view uses to reach Teetrack's tools.
// In the web app (a page of `teetrack serve` with a csrf-token meta tag) a
// call goes to /app/rpc with the browser's session cookie, which no script
// can read; inside an MCP Apps host it goes over postMessage to the host,
// which forwards it to the server (ui/initialize handshake, tool-result
// notifications, theme and size). Either way it is a JSON-RPC tools/call of
// a registered tool, answered by the server's one dispatcher.
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var web = !!csrfMeta;
  var nextId = 1;
  var pending = {};
  var handlers = {};

  function on(method, handler) {
    (handlers[method] = handlers[method] || []).push(handler);
  }

  function post(message) {
    window.parent.postMessage(message, "*");
  }

  function rpcWeb(method, params) {
    return fetch("/app/rpc", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-csrf-token": csrfMeta.content,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: method, params: params }),
    }).then(function (response) {
      if (response.status === 401) {
        window.location.assign("/signin");
        throw new Error("Your session has ended; sign in again.");
      }
      return response.json();
    }).then(function (message) {
      if (message.error) throw new Error(message.error.message);
      return message.result;
    });
  }

  function rpcHost(method, params) {
    var id = nextId++;
    post({ jsonrpc: "2.0", id: id, method: method, params: params });
    return new Promise(function (resolve, reject) {
      pending[id] = { resolve: resolve, reject: reject };
    });
  }

  if (!web) {
    window.addEventListener("message", function (event) {
      if (event.source !== window.parent) return;
      var m = event.data;
      if (!m || m.jsonrpc !== "2.0") return;
      if (m.method === undefined && m.id !== undefined && pending[m.id]) {
        var p = pending[m.id];
        delete pending[m.id];
        if (m.error) p.reject(new Error(m.error.message || "the host refused"));
        else p.resolve(m.result);
        return;
      }
      if (m.method === undefined) return;
      if (m.id !== undefined) {
        // Requests from the host (ping, ui/resource-teardown): nothing to keep.
        post({ jsonrpc: "2.0", id: m.id, result: {} });
      }
      (handlers[m.method] || []).forEach(function (h) { h(m.params || {}); });
    });
  }

  var rpc = web ? rpcWeb : rpcHost;

  // A tool's error result carries {code, message, hint} as text.
  function toolError(result) {
    var body;
    try { body = JSON.parse(result.content[0].text); } catch (e) { body = null; }
    if (!body || typeof body !== "object") {
      body = { message: (result.content && result.content[0] && result.content[0].text) || "The tool refused." };
    }
    var err = new Error(body.message || "The tool refused.");
    err.body = body;
    return err;
  }

  function callTool(name, args) {
    return rpc("tools/call", { name: name, arguments: args || {} }).then(function (result) {
      if (result.isError) throw toolError(result);
      return result.structuredContent;
    });
  }

  function applyContext(ctx) {
    var root = document.documentElement;
    if (ctx.theme === "light" || ctx.theme === "dark") root.setAttribute("data-theme", ctx.theme);
    var vars = ctx.styles && ctx.styles.variables;
    if (vars) {
      Object.keys(vars).forEach(function (key) {
        if (vars[key]) root.style.setProperty(key, vars[key]);
      });
    }
    var dims = ctx.containerDimensions;
    if (dims && dims.maxHeight) root.style.maxHeight = dims.maxHeight + "px";
  }

  // Tells the host the view's size whenever it changes, so a flexible
  // iframe fits its content.
  function reportSize() {
    var last = "";
    function send() {
      var el = document.documentElement;
      var size = { width: Math.ceil(el.scrollWidth), height: Math.ceil(document.body.scrollHeight) };
      var key = size.width + "x" + size.height;
      if (key === last) return;
      last = key;
      post({ jsonrpc: "2.0", method: "ui/notifications/size-changed", params: size });
    }
    if (window.ResizeObserver) new ResizeObserver(send).observe(document.body);
    send();
  }

  // mount(name, render): render(root, data, input) draws the view. In the
  // web app each `[data-view=name]` element carries its first data in a
  // JSON script inside it; in a host the data is the tool's result.
  function mount(name, render) {
    if (web) {
      document.querySelectorAll('[data-view="' + name + '"]').forEach(function (root) {
        var island = root.querySelector('script[type="application/json"]');
        var data = island ? JSON.parse(island.textContent) : {};
        var input = root.getAttribute("data-arguments");
        render(root, data, input ? JSON.parse(input) : {});
      });
      return;
    }
    var root = document.getElementById("app");
    var input = {};
    on("ui/notifications/tool-input", function (params) { input = params.arguments || {}; });
    on("ui/notifications/tool-result", function (result) {
      if (result.isError) {
        root.replaceChildren(el("p", { class: "error", role: "alert" }, toolError(result).message));
        return;
      }
      render(root, result.structuredContent || {}, input);
    });
    on("ui/notifications/host-context-changed", applyContext);
    on("ui/notifications/tool-cancelled", function () {
      root.replaceChildren(el("p", { class: "muted" }, "The tool call was cancelled."));
    });
    rpcHost("ui/initialize", {
      appCapabilities: { availableDisplayModes: ["inline"] },
      appInfo: { name: "teetrack-" + name, version: "1" },
      protocolVersion: "2026-01-26",
    }).then(function (init) {
      applyContext((init && init.hostContext) || {});
      post({ jsonrpc: "2.0", method: "ui/notifications/initialized", params: {} });
      reportSize();
    }, function (err) {
      root.replaceChildren(el("p", { class: "error", role: "alert" }, "The host did not connect: " + err.message));
    });
  }

  // el("button", {class: "x", onclick: f}, "text", child…): a DOM element.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    append(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }

  // Appends `children` to `node`, skipping the absent ones (undefined, null,
  // false) and flattening arrays one level: `append` itself would write a
  // null as the text "null" and an array as its `toString`.
  function append(node, children) {
    children.forEach(function (child) {
      if (child === undefined || child === null || child === false) return;
      if (Array.isArray(child)) child.forEach(function (c) { if (c) node.append(c); });
      else node.append(child);
    });
  }

  // `node.replaceChildren(...)`, with `el`'s rules for the children.
  function fill(node) {
    node.replaceChildren();
    append(node, Array.prototype.slice.call(arguments, 1));
    return node;
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }

  // Runs `action` for a button: disabled while it runs, its error shown in
  // `status` (a role=alert element); `done` gets the result.
  function act(button, status, action, done) {
    button.disabled = true;
    status.textContent = "";
    status.className = "error";
    return action().then(function (result) {
      button.disabled = false;
      if (done) done(result);
    }, function (err) {
      button.disabled = false;
      var hint = err.body && err.body.hint ? " " + err.body.hint : "";
      status.textContent = err.message + hint;
    });
  }

  // After a change made in the web app, the page's server-drawn parts
  // (today's tracks, the week) are stale: load it again (or go to `location`).
  function changed(location) {
    if (!web) return;
    if (location) window.location.assign(location);
    else window.location.reload();
  }

  window.TT = { web: web, callTool: callTool, mount: mount, el: el, fill: fill, clock: clock, act: act, changed: changed, on: on };
})();
