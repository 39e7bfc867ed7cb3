// An invoice (get_invoice, and what generate, send and status changes
// return) or a preview of one (preview_invoice), with the next step as a
// button: Generate (from the preview's own arguments), Send, Paid, Void.
TT.mount("invoice", function (root, data, input) {
  "use strict";
  var el = TT.el;

  function money(value, currency) { return value === null || value === undefined ? "" : value + " " + currency; }

  function draw(result, args) {
    var invoice = result.invoice || result;
    var preview = !invoice.number && !invoice.status;
    var currency = invoice.currency || "";
    var status = el("p", { class: "error", role: "alert" });
    var done = el("p", { class: "ok", role: "status" });
    var buttons = [];
    function button(label, cls, run) {
      var b = el("button", { type: "button", class: cls }, label);
      b.addEventListener("click", function () {
        TT.act(b, status, run, function (next) {
          done.textContent = label + ": done.";
          draw(next, args);
          var made = next.invoice || next;
          TT.changed(made.id ? "/invoices/" + made.id : undefined);
        });
      });
      buttons.push(b);
    }
    if (preview) {
      if (invoice.lines && invoice.lines.length) {
        button("Generate invoice", "", function () { return TT.callTool("generate_invoice", args || {}); });
      }
    } else if (invoice.status === "draft") {
      button("Send (mark as sent)", "", function () { return TT.callTool("mark_invoice_sent", { id: invoice.id }); });
    } else if (invoice.status === "sent") {
      button("Mark paid", "", function () { return TT.callTool("set_invoice_status", { id: invoice.id, status: "paid" }); });
      button("Void", "danger", function () { return TT.callTool("set_invoice_status", { id: invoice.id, status: "void" }); });
    }
    var client = invoice.client || {};
    var rows = (invoice.lines || []).map(function (line) {
      return el("tr", {}, el("td", {}, line.description), el("td", { class: "num" }, line.quantity),
        el("td", { class: "num hide-narrow" }, money(line.unit_price, currency)), el("td", { class: "num" }, money(line.amount, currency)));
    });
    function sum(label, value) {
      return el("tr", {}, el("th", { scope: "row", colspan: "3", class: "num" }, label), el("td", { class: "num" }, value));
    }
    TT.fill(root,
      el("h2", {}, preview ? "Invoice preview" : "Invoice " + invoice.number + " (" + invoice.status + ")"),
      el("p", {}, el("strong", {}, client.name || ""), client.email ? el("span", { class: "muted" }, " · " + client.email) : null),
      el("p", { class: "muted small" },
        invoice.period ? "Period " + invoice.period.from + " to " + invoice.period.to : "",
        invoice.issue_date ? " · issued " + invoice.issue_date : "",
        invoice.due_date ? " · due " + invoice.due_date + (invoice.overdue ? " (overdue)" : "") : "",
        invoice.paid_on ? " · paid " + invoice.paid_on : ""),
      el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Scrollable table" }, el("table", {},
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Description"), el("th", { scope: "col", class: "num" }, "Hours"),
          el("th", { scope: "col", class: "num hide-narrow" }, "Rate"), el("th", { scope: "col", class: "num" }, "Amount"))),
        el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: "4", class: "muted" }, "No billable time in this range."))),
        el("tfoot", {},
          sum("Subtotal", money(invoice.subtotal, currency)),
          invoice.discount_amount && invoice.discount_amount !== "0.00" ? sum("Discount " + invoice.discount_percent + "%", "−" + money(invoice.discount_amount, currency)) : null,
          invoice.tax_amount && invoice.tax_amount !== "0.00" ? sum("Tax " + invoice.tax_percent + "%", money(invoice.tax_amount, currency)) : null,
          sum("Total", money(invoice.total, currency))))),
      invoice.notes ? el("p", { class: "muted" }, invoice.notes) : null,
      (result.warnings || []).map(function (w) { return el("p", { class: "muted small" }, typeof w === "string" ? w : (w.message || JSON.stringify(w))); }),
      status, done,
      buttons.length ? el("div", { class: "actions" }, buttons) : null,
      TT.web && invoice.id && invoice.number ? el("p", {}, el("a", { href: "/invoices/" + invoice.id + ".csv", download: "" }, "Download CSV")) : null);
  }

  draw(data, input);
});
