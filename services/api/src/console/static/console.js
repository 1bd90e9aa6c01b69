// The console's only own script: small behaviours htmx has no attribute for. No inline script
// anywhere (the CSP forbids it), so this file is where they live.
(function () {
  'use strict';
  // After htmx swaps in a form with an error, move focus to the message so keyboard and screen
  // reader users hear what went wrong.
  document.addEventListener('htmx:afterSwap', function (event) {
    var alert = event.target && event.target.querySelector && event.target.querySelector('[role="alert"]');
    if (alert) {
      alert.setAttribute('tabindex', '-1');
      alert.focus();
    }
  });
  // Keep a live transcript scrolled to its newest entry unless the reader scrolled up.
  document.addEventListener('htmx:sseMessage', function (event) {
    var log = event.target && event.target.closest && event.target.closest('[data-follow]');
    if (!log) return;
    var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
    if (nearBottom) window.scrollTo(0, document.body.scrollHeight);
  });
})();
