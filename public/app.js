import { initAll } from '/govuk/govuk-frontend.min.js';

initAll();

// Signing page (src/modules/acknowledgements/signing/views.tsx): the declaration is offered once
// the reader has reached the end of the document. The page works without this script: the form
// simply follows the whole text. After a failed attempt the page has no gate, so the form shows.
const signGate = document.querySelector('[data-sign-gate]');
const signEnd = document.querySelector('[data-sign-end]');
if (signGate && signEnd && 'IntersectionObserver' in window) {
  const note = document.querySelector('[data-sign-note]');
  signGate.hidden = true;
  if (note) note.hidden = false;
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    signGate.hidden = false;
    if (note) note.hidden = true;
    observer.disconnect();
  });
  observer.observe(signEnd);
}
