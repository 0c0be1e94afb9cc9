// Keyboard shortcuts on a comment's review page: 1–5 choose the category, C confirms and moves on,
// N skips to the next comment. They are off while typing in a field, and with modifier keys.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "radio" && target.type !== "checkbox")) { return; }
    var key = event.key.toLowerCase();
    if (key >= "1" && key <= "5") {
      var radio = form.querySelector('input[data-shortcut="' + key + '"]');
      if (radio) { radio.checked = true; radio.focus(); event.preventDefault(); }
    } else if (key === "c") {
      document.getElementById("confirm-next").click();
      event.preventDefault();
    } else if (key === "n") {
      var next = document.getElementById("next-comment");
      if (next) { window.location.href = next.href; event.preventDefault(); }
    }
  });
})();
