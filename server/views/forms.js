// The web app's forms that call a tool: `<form data-tool="log_track">`.
// Each named field becomes an argument (empty ones are left out; data-type
// "int", "bool" (a checkbox) or "list" (comma-separated) convert it); the
// call goes through the bridge, like a view's, and the tool's own error
// (with its hint) shows in the form's role=alert element.
(function () {
  "use strict";
  // `rounding.mode` fills args.rounding.mode.
  function put(args, name, value) {
    var path = name.split(".");
    var last = path.pop();
    var target = args;
    path.forEach(function (key) { target = target[key] = target[key] || {}; });
    target[last] = value;
  }
  function argumentsOf(form) {
    var args = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled) return;
      var type = field.getAttribute("data-type");
      if (type === "bool") { put(args, field.name, field.checked); return; }
      var value = field.value.trim();
      if (value === "") return;
      if (type === "int") put(args, field.name, Number(value));
      else if (type === "list") put(args, field.name, value.split(",").map(function (v) { return v.trim(); }).filter(Boolean));
      else put(args, field.name, value);
    });
    return args;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var tool = form.getAttribute("data-tool");
    if (!tool) return;
    event.preventDefault();
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) return;
    var status = form.querySelector('[role="alert"]') || document.createElement("p");
    var button = form.querySelector('button[type="submit"], button:not([type])') || form;
    TT.act(button, status, function () { return TT.callTool(tool, argumentsOf(form)); }, function (result) {
      var then = form.getAttribute("data-then");
      if (then === "stay") {
        var ok = form.querySelector('[role="status"]');
        if (ok) ok.textContent = "Saved.";
        return;
      }
      if (then && then.indexOf("/") === 0) {
        window.location.assign(then.replace("{id}", String((result.invoice || result).id || "")));
        return;
      }
      window.location.reload();
    });
  });
  // Copy buttons: `<button data-copy="element-id">`.
  document.addEventListener("click", function (event) {
    var id = event.target.getAttribute && event.target.getAttribute("data-copy");
    if (!id) return;
    var text = document.getElementById(id).textContent;
    navigator.clipboard.writeText(text).then(function () {
      event.target.textContent = "Copied";
    }, function () {
      event.target.textContent = "Select the text and copy it";
    });
  });
})();
