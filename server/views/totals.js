// Time totals (get_time_totals): a bar chart by bucket (day, week, month…)
// stacked by the split (project, client, tag), drawn here as SVG from the
// tool's result, with the same figures as a table for screen readers and
// narrow frames.
TT.mount("totals", function (root, data, input) {
  "use strict";
  var el = TT.el;
  var COLORS = ["#2b7a66", "#c2691d", "#3d6bb3", "#a8407e", "#6f7d1a", "#7a58b8", "#b03a3a", "#2e8a9a"];
  var PERIODS = [["today", "Today"], ["this_week", "This week"], ["last_week", "Last week"],
    ["this_month", "This month"], ["last_month", "Last month"], ["this_year", "This year"]];

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function amounts(list) {
    return (list || []).map(function (a) { return a.amount + " " + a.currency; }).join(", ");
  }

  function chart(result, colorOf) {
    var buckets = result.buckets || [];
    if (!buckets.length) return el("p", { class: "muted" }, "Nothing in this period.");
    var hours = function (s) { return s / 3600; };
    var top = Math.max(1, Math.ceil(Math.max.apply(null, buckets.map(function (b) { return hours(b.seconds); }))));
    var W = 640, H = 220, left = 34, bottom = 28, plotH = H - bottom - 8;
    var step = (W - left) / buckets.length;
    var barW = Math.max(4, Math.min(48, step * 0.7));
    var parts = [];
    for (var g = 0; g <= 4; g++) {
      var value = top * g / 4;
      var y = 8 + plotH - plotH * g / 4;
      parts.push('<line x1="' + left + '" x2="' + W + '" y1="' + y + '" y2="' + y + '" stroke="currentColor" stroke-opacity=".15"/>');
      parts.push('<text x="' + (left - 4) + '" y="' + (y + 4) + '" text-anchor="end">' + (Math.round(value * 10) / 10) + "h</text>");
    }
    var every = Math.ceil(buckets.length / 12);
    buckets.forEach(function (bucket, i) {
      var x = left + i * step + (step - barW) / 2;
      var y = 8 + plotH;
      // Not split: one bar a bucket.
      var groups = bucket.groups && bucket.groups.length ? bucket.groups
        : [{ name: "Total", seconds: bucket.seconds, duration: bucket.duration }];
      groups.forEach(function (group) {
        var h = plotH * hours(group.seconds) / top;
        y -= h;
        parts.push('<rect x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" width="' + barW.toFixed(1) + '" height="' + h.toFixed(1) +
          '" fill="' + colorOf(group.name) + '"><title>' + esc(bucket.label + ": " + group.name + " " + group.duration) + "</title></rect>");
      });
      if (i % every === 0) {
        parts.push('<text x="' + (x + barW / 2).toFixed(1) + '" y="' + (H - 10) + '" text-anchor="middle">' + esc(bucket.label) + "</text>");
      }
    });
    var label = "Hours by " + result.bucket + ": " + buckets.map(function (b) { return b.label + " " + b.duration; }).join(", ");
    var box = el("div", { class: "chart" });
    box.innerHTML = '<svg viewBox="0 0 ' + W + " " + H + '" role="img" aria-label="' + esc(label) + '">' + parts.join("") + "</svg>";
    return box;
  }

  function draw(result) {
    var names = (result.groups || []).map(function (g) { return g.name; });
    // Not split: the table lists the buckets instead.
    var rows = names.length ? result.groups : (result.buckets || []).filter(function (b) { return b.seconds > 0; })
      .map(function (b) { return { name: b.label, duration: b.duration, amounts: b.amounts }; });
    var colorOf = function (name) {
      var i = names.indexOf(name);
      return COLORS[(i < 0 ? names.length : i) % COLORS.length];
    };
    var status = el("p", { class: "error", role: "alert" });
    var period = el("select", { id: "totals-period-" + uid, "aria-label": "Period" },
      PERIODS.map(function (p) {
        return el("option", { value: p[0], selected: result.range && result.range.period === p[0] }, p[1]);
      }));
    period.addEventListener("change", function () {
      var args = { period: period.value };
      if (result.split_by) args.split_by = result.split_by;
      TT.act(period, status, function () { return TT.callTool("get_time_totals", args); }, draw);
    });
    var total = result.total || {};
    TT.fill(root,
      el("div", { class: "row" },
        el("h2", {}, "Time: " + (total.duration || "0:00:00")),
        el("div", { class: "narrow" }, el("label", { for: "totals-period-" + uid, class: "small" }, "Period"), period)),
      el("p", { class: "muted small" },
        (total.track_count || 0) + " tracks" + (total.amounts && total.amounts.length ? " · " + amounts(total.amounts) : "") +
        (result.rounding && result.rounding.mode !== "none" ? " · rounded " + result.rounding.mode + " to " + result.rounding.minutes + " min" : "")),
      status,
      chart(result, colorOf),
      el("ul", { class: "legend", "aria-label": "Legend" }, names.map(function (name) {
        return el("li", {}, el("span", { class: "swatch", style: "background:" + colorOf(name) }), name);
      })),
      el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Scrollable table" }, el("table", {},
        el("caption", { class: "muted small", style: "text-align:left" }, "By " + (result.split_by || result.bucket || "project")),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Name"), el("th", { scope: "col", class: "num" }, "Time"),
          el("th", { scope: "col", class: "num" }, "Amount"))),
        el("tbody", {}, rows.map(function (g) {
          return el("tr", {}, el("td", {}, g.name), el("td", { class: "num" }, g.duration), el("td", { class: "num" }, amounts(g.amounts)));
        })))));
  }

  var uid = Math.random().toString(36).slice(2, 8);
  draw(data);
});
