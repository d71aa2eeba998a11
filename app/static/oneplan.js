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
