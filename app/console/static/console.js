/* Rumbo staff console: small progressive enhancements. Every page works without it. */
(function () {
  'use strict';

  // Ask before irreversible actions (forms marked data-confirm).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Bring keyboard and screen-reader users to what needs their attention first.
  var first = document.getElementById('conflict') || document.getElementById('error-summary');
  if (first) {
    first.focus();
  }
})();
