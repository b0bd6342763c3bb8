// The deal board's drag and drop: a card dropped on another column is moved through the API
// (POST /api/v1/deals/:id/move with the session cookie and the CSRF header); the page then reloads
// so counts and totals come from the database again. "More cards" fetches the column's next page.
// Without JavaScript every card links to its deal's plain move form.
(function () {
  'use strict';
  var board = document.querySelector('[data-board]');
  if (!board || !window.kehu) return;
  var lost = (board.getAttribute('data-lost-stages') || '').split(',').filter(Boolean);
  var dragged = null;

  // "More cards": the column's next page from the API, appended in place (without JavaScript the
  // link opens the list filtered to the stage). Appended cards link to the deal; moving them is
  // done from the deal page or after a reload.
  board.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('[data-more-cursor]');
    if (!link) return;
    e.preventDefault();
    var col = link.closest('[data-stage]');
    var filters = board.getAttribute('data-filters');
    var url = '/api/v1/pipelines/' + board.getAttribute('data-pipeline') + '/board/' + col.getAttribute('data-stage') + '?limit=20&cursor=' + encodeURIComponent(link.getAttribute('data-more-cursor')) + (filters ? '&' + filters : '');
    window.kehu.api(url).then(function (page) {
      var list = col.querySelector('.board-cards');
      page.data.forEach(function (card) {
        var li = document.createElement('li');
        li.className = 'deal-card' + (card.stale ? ' stale' : '');
        li.setAttribute('data-deal', String(card.id));
        li.setAttribute('data-version', String(card.version));
        li.setAttribute('draggable', 'true');
        var a = document.createElement('a');
        a.href = '/deals/' + card.id;
        a.className = 'deal-name';
        a.textContent = card.name;
        li.appendChild(a);
        if (card.company_name) {
          var span = document.createElement('span');
          span.className = 'muted small';
          span.textContent = card.company_name;
          li.appendChild(span);
        }
        list.appendChild(li);
      });
      if (page.next_cursor) link.setAttribute('data-more-cursor', page.next_cursor);
      else link.parentNode.removeChild(link);
    }, function () {
      window.location.href = link.href;
    });
  });

  board.addEventListener('dragstart', function (e) {
    var card = e.target.closest && e.target.closest('[data-deal]');
    if (!card) return;
    dragged = card;
    card.classList.add('dragging');
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', card.getAttribute('data-deal'));
  });
  board.addEventListener('dragend', function () {
    if (dragged) dragged.classList.remove('dragging');
    dragged = null;
  });
  board.addEventListener('dragover', function (e) {
    var col = e.target.closest && e.target.closest('[data-stage]');
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.add('drop-target');
  });
  board.addEventListener('dragleave', function (e) {
    var col = e.target.closest && e.target.closest('[data-stage]');
    if (col) col.classList.remove('drop-target');
  });
  board.addEventListener('drop', function (e) {
    var col = e.target.closest && e.target.closest('[data-stage]');
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.remove('drop-target');
    var card = dragged;
    var stageId = Number(col.getAttribute('data-stage'));
    if (card.closest('[data-stage]') === col) return;
    var body = { stage_id: stageId, version: Number(card.getAttribute('data-version')) };
    if (lost.indexOf(String(stageId)) >= 0) {
      // The lost end needs a reason: the deal's own move form, with the lost stage chosen.
      window.location.href = '/deals/' + card.getAttribute('data-deal') + '?move_to=' + stageId + '#move';
      return;
    }
    col.querySelector('.board-cards').appendChild(card);
    window.kehu.api('/api/v1/deals/' + card.getAttribute('data-deal') + '/move', { method: 'POST', body: body }).then(function () {
      window.location.reload();
    }, function (err) {
      window.alert(board.getAttribute('data-move-failed') + ' ' + err.message);
      window.location.reload();
    });
  });
})();
