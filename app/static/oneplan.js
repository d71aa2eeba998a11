// Start the NHS.UK frontend components (loaded as an ES module from the npm package).
import { initAll } from "/vendor/nhsuk/nhsuk-frontend.min.js";

initAll();
// Components inside content that htmx swaps in need starting too.
document.addEventListener("htmx:afterSettle", (event) => initAll({ scope: event.target }));

// The printed copy's "Print this plan" button: only shown when JavaScript can print.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// A link to something folded away (a need's actions, a done action) opens the folds around it
// (Chromium does this itself; this is for the browsers that do not yet).
function openFoldsAround() {
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  for (let fold = target && target.closest("details"); fold; fold = fold.parentElement.closest("details")) {
    fold.open = true;
  }
  if (target) target.scrollIntoView();
}
window.addEventListener("hashchange", openFoldsAround);
openFoldsAround();
