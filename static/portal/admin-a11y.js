/* Fixes to Django admin's own markup that axe-core reports (tests/accessibility), made here so
   that Django's templates need not be copied:
   - split date/time inputs have no label of their own: name them after their row's label;
   - the filter widget's help icons carry aria-label on a plain span: give them role="img";
   - inline tables have empty header cells: give them text for screen readers. */
// On "load": the filter widget (SelectFilter2.js) builds its markup then.
window.addEventListener("load", function () {
  document.querySelectorAll("input.vDateField, input.vTimeField").forEach(function (input) {
    if (input.labels && input.labels.length) return;
    if (input.getAttribute("aria-label")) return;
    var row = input.closest(".form-row, .fieldBox, td");
    var label = row && row.querySelector("label");
    var name = label ? label.textContent.replace(/:\s*$/, "").trim() : input.name;
    input.setAttribute("aria-label", name + (input.classList.contains("vDateField") ? " (date)" : " (time)"));
  });
  document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (span) {
    span.setAttribute("role", "img");
  });
  document.querySelectorAll(".inline-group table thead th").forEach(function (th) {
    if (th.textContent.trim()) return;
    var text = document.createElement("span");
    text.className = "sr-only";
    text.textContent = th.classList.contains("original") ? "Item" : "Details";
    th.appendChild(text);
  });
});
