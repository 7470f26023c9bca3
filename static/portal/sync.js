// Follows the researcher's running sync (GET /api/v1/researchers/{id}/sync) and reloads the
// page when it ends, so the outcome and the items' new states show. Without JavaScript the
// panel's "Refresh" link does the same.
(function () {
  var panel = document.getElementById("sync-panel");
  if (!panel) return;
  var url = panel.getAttribute("data-status-url");
  var text = panel.querySelector(".sync-text");
  var delay = 1000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        // Signed out meanwhile (the session expired): the page itself says what to do.
        if (response.status === 401 || response.status === 403) { window.location.reload(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (run) {
        if (!run) { setTimeout(poll, 5000); return; }
        panel.setAttribute("data-state", run.state);
        if (run.state === "finished" || run.state === "failed") { window.location.reload(); return; }
        if (text && run.state === "running") {
          var done = run.created + run.updated + run.deleted;
          text.textContent = "Your ORCID record is being updated…" + (done ? " " + done + " change" + (done === 1 ? "" : "s") + " so far." : "");
        }
        delay = Math.min(delay * 1.5, 5000);
        setTimeout(poll, delay);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, delay);
})();
