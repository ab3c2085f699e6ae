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

// Pages that change while you look at them (the log upload's progress page): while the region
// carries data-poll="<seconds>", fetch the page again and swap the region in, until the new page
// says it has finished. Without this script the page has a "Check progress again" link.
const poll = document.querySelector('[data-poll]');
if (poll && 'fetch' in window && 'DOMParser' in window) {
  const every = Math.max(1, Number(poll.getAttribute('data-poll')) || 2) * 1000;
  let region = poll;
  const tick = async () => {
    try {
      const response = await fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = next.querySelector('[data-poll]') ?? next.querySelector('main');
      if (!fresh) return;
      if (fresh.matches('main')) {
        const main = document.querySelector('main');
        if (main) main.innerHTML = fresh.innerHTML;
        document.title = next.title;
        return;
      }
      region.replaceWith(fresh);
      region = fresh;
      document.title = next.title;
      setTimeout(tick, every);
    } catch {
      setTimeout(tick, every * 2);
    }
  };
  setTimeout(tick, every);
}
