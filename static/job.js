// Follows a background job: updates the progress bar and the status text once a second and
// reloads the page when the job has finished, so the result is shown without a manual reload.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || (box.dataset.status !== "queued" && box.dataset.status !== "running")) { return; }
  var bar = document.getElementById("job-progress");
  var state = document.getElementById("job-state");
  var percent = new Intl.NumberFormat(document.documentElement.lang || "fi", { style: "percent" });
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        bar.value = job.progress;
        bar.setAttribute("aria-valuetext", percent.format(job.progress));
        if (job.status === "running") { state.textContent = state.textContent.replace(/\d+[\s\u00a0]?%/, percent.format(job.progress)); }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
