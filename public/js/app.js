// Kehu's progressive enhancements. Every page works without this file; it only saves clicks.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var csrf = document.querySelector('meta[name="csrf-token"]');

  // The pages' own scripts call the API with the session cookie and this header.
  window.kehu = {
    api: function (path, options) {
      options = options || {};
      var headers = Object.assign({ Accept: 'application/json' }, options.headers || {});
      if (csrf) headers['X-CSRF-Token'] = csrf.getAttribute('content');
      if (options.body && typeof options.body !== 'string') {
        headers['Content-Type'] = 'application/json';
        options.body = JSON.stringify(options.body);
      }
      return fetch(path, Object.assign({}, options, { headers: headers, credentials: 'same-origin' })).then(function (res) {
        if (res.status === 204) return null;
        return res.json().then(function (body) {
          if (!res.ok) throw Object.assign(new Error(body.error ? body.error.message : res.statusText), { status: res.status, body: body });
          return body;
        });
      });
    },
  };

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  });

  document.addEventListener('change', function (e) {
    var form = e.target.form;
    if (form && form.hasAttribute('data-autosubmit')) form.submit();
  });

  document.addEventListener('click', function (e) {
    var button = e.target.closest('[data-copy]');
    if (!button) return;
    var field = document.querySelector(button.getAttribute('data-copy'));
    if (!field) return;
    field.select();
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(function () { document.execCommand('copy'); });
    else document.execCommand('copy');
  });
})();
