// A timesheet review (review_timesheet): each day's total, then what needs
// a look: gaps, overlaps, long tracks, running timers, tracks without a project.
TT.mount("timesheet", function (root, data) {
  "use strict";
  var el = TT.el;
  function clock(seconds) { return TT.clock(seconds || 0); }
  function section(title, finding, row) {
    if (!finding || !finding.count) return null;
    return el("section", {},
      el("h3", {}, title + " (" + finding.count + ", " + clock(finding.total_seconds) + ")"),
      el("ul", {}, (finding.items || []).slice(0, 50).map(function (item) { return el("li", {}, row(item)); })));
  }
  function track(t) {
    return (t.description || "(no description)") + " · " + (t.start ? t.start.local : "") + " · " + (t.duration || "");
  }
  function described(t) { return "“" + ((t && t.description) || "(no description)") + "”"; }
  // "2026-12-08 09:00–09:30" from two instants in the user's zone (a second
  // date only when the overlap runs past midnight).
  function span(from, to) {
    var a = (from && from.local) || "", b = (to && to.local) || "";
    var end = a.slice(0, 10) === b.slice(0, 10) ? b.slice(11, 16) : b.slice(0, 10) + " " + b.slice(11, 16);
    return a.slice(0, 10) + " " + a.slice(11, 16) + "–" + end;
  }
  var days = data.days || [];
  TT.fill(root,
    el("h2", {}, "Timesheet: " + (data.total_duration || "0:00:00")),
    el("p", { class: "muted small" }, (data.track_count || 0) + " tracks · billable " + (data.billable_duration || "0:00:00") +
      " · not billable " + (data.non_billable_duration || "0:00:00")),
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Scrollable table" }, el("table", {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Day"), el("th", { scope: "col", class: "num" }, "Tracks"),
        el("th", { scope: "col", class: "num" }, "Total"), el("th", { scope: "col", class: "num hide-narrow" }, "Billable"))),
      el("tbody", {}, days.map(function (d) {
        return el("tr", {}, el("td", {}, d.weekday + " " + d.date), el("td", { class: "num" }, String(d.track_count)),
          el("td", { class: "num" }, d.total_duration), el("td", { class: "num hide-narrow" }, clock(d.billable_seconds)));
      })))),
    section("Gaps", data.gaps, function (g) {
      return g.date + ": " + g.duration + " between “" + ((g.after && g.after.description) || "…") + "” and “" +
        ((g.before && g.before.description) || "…") + "”";
    }),
    section("Overlaps", data.overlaps, function (o) {
      return described(o.first) + " and " + described(o.second) + " · " + span(o.from, o.to) + " · " + (o.duration || "");
    }),
    section("Long tracks", data.long_tracks, track),
    section("Running timers", data.running_timers, track),
    section("Without a project", data.without_project, track));
});
