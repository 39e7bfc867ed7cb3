// The running timers: each ticking, with Stop and Switch; a Start form.
// Shows list_active_timers and start_timer results; in the web app it asks
// list_active_timers again every few seconds, so a timer started from an
// assistant appears without a reload.
TT.mount("timers", function (root, data) {
  "use strict";
  var el = TT.el;
  var timers = [];
  var max = null;
  var shown = "";

  function take(result) {
    if (result.timers) {
      timers = result.timers;
      max = result.max_active_timers;
    } else if (result.timer) {
      // start_timer / switch_timer: the new one (others may run too: ask).
      timers = [result.timer];
      refresh();
    }
  }

  var list = el("div", { class: "timer-list" });
  var status = el("p", { class: "error", role: "alert" });

  function refresh() {
    return TT.callTool("list_active_timers", {}).then(function (result) {
      take(result);
      draw();
    }, function () { /* the next poll tries again */ });
  }

  function stop(timer, button) {
    TT.act(button, status, function () {
      return TT.callTool("stop_timer", { id: timer.id });
    }, function () {
      timers = timers.filter(function (t) { return t.id !== timer.id; });
      draw(true);
      TT.changed();
    });
  }

  function card(timer) {
    var name = timer.description || "(no description)";
    var started = Date.parse(timer.start.utc);
    var elapsed = el("span", { class: "elapsed", "data-started": String(started) },
      TT.clock((Date.now() - started) / 1000));
    var stopButton = el("button", { type: "button", "aria-label": "Stop timer: " + name }, "Stop");
    stopButton.addEventListener("click", function () { stop(timer, stopButton); });
    var switchDescription = el("input", { id: "switch-d-" + timer.id, name: "description", autocomplete: "off" });
    var switchProject = el("input", { id: "switch-p-" + timer.id, name: "project", list: "tt-projects", autocomplete: "off" });
    var switchButton = el("button", { type: "submit", class: "secondary" }, "Switch");
    var switchForm = el("form", {},
      el("div", { class: "row" },
        el("div", {}, el("label", { for: "switch-d-" + timer.id }, "New description"), switchDescription),
        el("div", {}, el("label", { for: "switch-p-" + timer.id }, "Project"), switchProject)),
      el("div", { class: "actions" }, switchButton));
    switchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var args = { stop: timer.id, description: switchDescription.value };
      if (switchProject.value.trim()) args.project = switchProject.value.trim();
      TT.act(switchButton, status, function () { return TT.callTool("switch_timer", args); },
        function (result) { take(result); draw(true); TT.changed(); });
    });
    return el("li", { "data-timer-id": String(timer.id) },
      el("div", {}, el("strong", {}, name)),
      el("div", { class: "muted small" },
        timer.project ? timer.project.name : "No project",
        timer.tags.length ? " · " : "",
        timer.tags.map(function (t) { return el("span", { class: "tag" }, t.name); })),
      elapsed,
      el("div", { class: "actions" }, stopButton,
        el("details", {}, el("summary", {}, "Switch to another task…"), switchForm)));
  }

  // Redraws the list only when the timers changed, so an open Switch form
  // or a focused button survives the polling.
  function draw(force) {
    var key = JSON.stringify(timers.map(function (t) { return [t.id, t.description, t.project && t.project.id]; }));
    if (!force && key === shown) return;
    shown = key;
    list.replaceChildren(timers.length
      ? el("ul", { class: "timers", "aria-label": "Running timers" }, timers.map(card))
      : el("p", { class: "muted" }, "No timer is running."));
    if (max && timers.length >= max) {
      list.append(el("p", { class: "muted small" },
        "At your limit of " + max + " running timer" + (max === 1 ? "" : "s") + ": starting another stops the oldest."));
    }
  }

  var description = el("input", { id: "start-description", name: "description", autocomplete: "off" });
  var project = el("input", { id: "start-project", name: "project", list: "tt-projects", autocomplete: "off" });
  var tags = el("input", { id: "start-tags", name: "tags", autocomplete: "off", "aria-describedby": "start-tags-hint" });
  var startButton = el("button", { type: "submit" }, "Start timer");
  var form = el("form", { "aria-labelledby": "start-heading" },
    el("h3", { id: "start-heading" }, "Start a timer"),
    el("div", { class: "row" },
      el("div", {}, el("label", { for: "start-description" }, "Description"), description),
      el("div", {}, el("label", { for: "start-project" }, "Project"), project),
      el("div", {}, el("label", { for: "start-tags" }, "Tags"), tags)),
    el("p", { class: "muted small", id: "start-tags-hint" }, "Tags: names separated by commas."),
    el("div", { class: "actions" }, startButton));
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var args = {};
    if (description.value.trim()) args.description = description.value.trim();
    if (project.value.trim()) args.project = project.value.trim();
    var tagList = tags.value.split(",").map(function (t) { return t.trim(); }).filter(Boolean);
    if (tagList.length) args.tags = tagList;
    TT.act(startButton, status, function () { return TT.callTool("start_timer", args); },
      function (result) { form.reset(); take(result); draw(true); TT.changed(); });
  });

  take(data);
  root.replaceChildren(el("h2", {}, "Running timers"), list, status, form);
  draw(true);

  setInterval(function () {
    root.querySelectorAll("[data-started]").forEach(function (node) {
      node.textContent = TT.clock((Date.now() - Number(node.getAttribute("data-started"))) / 1000);
    });
  }, 1000);
  if (TT.web) {
    setInterval(function () { if (!document.hidden) refresh(); }, 3000);
  }
});
