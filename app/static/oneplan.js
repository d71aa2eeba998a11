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

// After anything saved in place (issue 16): move focus to what the answer says, scroll it into view and
// announce it. An error summary first, then a "someone else changed this" warning, then the "Saved" tag's
// heading. The live region is made at load, so screen readers watch it before anything is put in it.
const announcer = document.createElement("div");
announcer.id = "app-announcer";
announcer.className = "nhsuk-u-visually-hidden";
announcer.setAttribute("aria-live", "polite");
announcer.setAttribute("role", "status");
document.body.appendChild(announcer);

function announce(message) {
  announcer.textContent = "";
  window.setTimeout(() => { announcer.textContent = message; }, 50);
}

function focusOn(element, message) {
  if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
  element.focus({ preventScroll: true });
  element.scrollIntoView({ block: "start" });
  announce(message);
}

document.addEventListener("htmx:afterSettle", (event) => {
  const swapped = event.target.isConnected ? event.target : document.getElementById(event.target.id);
  if (!swapped || !swapped.querySelector) return;
  const summary = swapped.querySelector(".nhsuk-error-summary");
  if (summary) {
    const title = summary.querySelector(".nhsuk-error-summary__title");
    focusOn(summary, `${title ? title.textContent.trim() : "There is a problem"}. ${summary.querySelector("ul")?.textContent.trim() ?? ""}`);
    return;
  }
  const warning = swapped.querySelector(".nhsuk-card--warning .nhsuk-card__heading, .nhsuk-warning-callout h2, .nhsuk-warning-callout h3");
  if (warning) {
    focusOn(warning, warning.textContent.trim().replace(/^Important:\s*/, ""));
    return;
  }
  const saved = [...swapped.querySelectorAll(".nhsuk-tag--green")].find((tag) => tag.textContent.trim() === "Saved");
  if (saved) {
    const heading = swapped.querySelector("h2, h3, [id$='-heading']") ?? swapped;
    focusOn(heading, `Saved: ${heading.textContent.trim()}`);
  }
});

// Forms that narrow (issue 16): a named practitioner list shows only the chosen agency's staff. Without
// JavaScript every practitioner is listed with their agency, and the server refuses a mismatch.
function narrowPractitioners(scope) {
  for (const agency of scope.querySelectorAll("select#owner_agency_id")) {
    const people = agency.form && agency.form.querySelector("select#owner_user_id");
    if (!people) continue;
    const narrow = () => {
      for (const option of people.options) {
        const other = option.dataset.agency !== undefined && agency.value !== "" && option.dataset.agency !== agency.value;
        option.hidden = other;
        option.disabled = other;
        if (other && option.selected) people.value = "";
      }
    };
    agency.addEventListener("change", narrow);
    narrow();
  }
}
narrowPractitioners(document);
document.addEventListener("htmx:afterSettle", (event) => narrowPractitioners(event.target.isConnected ? event.target : document));
