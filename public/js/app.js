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
    // A question on the form, or on the button that submitted it (a list's "delete").
    var question = (e.submitter && e.submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  });

  // A list's "select all" box ticks every row's box of the same name.
  document.addEventListener('change', function (e) {
    var all = e.target.closest && e.target.closest('[data-select-all]');
    if (!all) return;
    var boxes = document.querySelectorAll('input[type="checkbox"][name="' + all.getAttribute('data-select-all') + '"]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });

  // Search as you type in the top bar: GET /api/v1/search with the session cookie (a GET needs no
  // CSRF token), results as links in a dropdown. Without JavaScript the form opens /search.
  var searchForm = document.querySelector('[data-search]');
  if (searchForm) {
    var input = searchForm.querySelector('[data-search-input]');
    var list = searchForm.querySelector('.search-results');
    var timer = null;
    var seq = 0;
    var label = function (name) { return input.getAttribute('data-label-' + name) || ''; };
    var close = function () {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
    };
    var item = function (href, text, kind, extraClass) {
      var li = document.createElement('li');
      if (extraClass) li.className = extraClass;
      var a = document.createElement('a');
      a.href = href;
      a.setAttribute('role', 'option');
      var name = document.createElement('span');
      name.textContent = text;
      a.appendChild(name);
      if (kind) {
        var k = document.createElement('span');
        k.className = 'kind';
        k.textContent = kind;
        a.appendChild(k);
      }
      li.appendChild(a);
      return li;
    };
    var show = function (q, hits) {
      while (list.firstChild) list.removeChild(list.firstChild);
      if (!hits.length) {
        var none = document.createElement('li');
        none.className = 'empty';
        none.textContent = label('none');
        list.appendChild(none);
      }
      hits.forEach(function (h) {
        var kind = label(h.type) + (h.detail ? ' · ' + h.detail : '');
        list.appendChild(item('/' + h.type + '/' + h.id, h.name, kind));
      });
      list.appendChild(item('/search?q=' + encodeURIComponent(q), label('all'), '', 'all'));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    };
    var run = function () {
      var q = input.value.trim();
      if (q.length < 2) return close();
      var mine = ++seq;
      fetch('/api/v1/search?q=' + encodeURIComponent(q) + '&limit=8', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (res) { return res.ok ? res.json() : { data: [] }; })
        .then(function (body) { if (mine === seq) show(q, body.data || []); })
        .catch(function () { if (mine === seq) close(); });
    };
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(run, 200);
    });
    input.addEventListener('keydown', function (e) {
      var links = list.querySelectorAll('a');
      if (e.key === 'Escape') return close();
      if (e.key !== 'ArrowDown' || list.hidden || !links.length) return;
      e.preventDefault();
      links[0].focus();
    });
    list.addEventListener('keydown', function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll('a'));
      var i = links.indexOf(document.activeElement);
      if (e.key === 'Escape') { close(); input.focus(); return; }
      if (e.key === 'ArrowDown' && i < links.length - 1) { e.preventDefault(); links[i + 1].focus(); }
      if (e.key === 'ArrowUp') { e.preventDefault(); if (i > 0) links[i - 1].focus(); else input.focus(); }
    });
    document.addEventListener('click', function (e) {
      if (!searchForm.contains(e.target)) close();
    });
  }

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
