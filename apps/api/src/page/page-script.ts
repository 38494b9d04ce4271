/**
 * The page's only script, inline: "check again" without a reload, and the
 * live update when the new result lands (SSE). Without JavaScript the same
 * button posts a form and the page says a check is queued; everything else is
 * server-rendered.
 */
export const PAGE_SCRIPT = `
(function () {
  if (!window.fetch || !window.EventSource || !('content' in document.createElement('template'))) return;
  var live = null;
  function status(text) {
    var el = document.getElementById('live-status');
    if (el) el.textContent = text;
  }
  function swap() {
    return fetch(location.pathname + '?part=main', { headers: { accept: 'text/html' } })
      .then(function (r) { return r.text(); })
      .then(function (text) {
        var template = document.createElement('template');
        template.innerHTML = text;
        var next = template.content.querySelector('main');
        var main = document.querySelector('main');
        if (next && main) main.replaceWith(next);
        bind();
      });
  }
  function follow(url) {
    if (live) live.close();
    var button = document.querySelector('form[data-refresh] button');
    if (button) button.disabled = true;
    status('Checking now… this page updates by itself when the new result lands.');
    live = new EventSource(url);
    live.addEventListener('result', function () {
      live.close();
      live = null;
      swap().then(function () { status('Updated just now.'); });
    });
    live.addEventListener('timeout', function () {
      live.close();
      live = null;
      status('No new result yet; the check is still queued. Reload in a while.');
      if (button) button.disabled = false;
    });
  }
  function bind() {
    var form = document.querySelector('form[data-refresh]');
    var main = document.querySelector('main');
    if (main && main.dataset.events) follow(main.dataset.events);
    if (!form || form.dataset.bound) return;
    form.dataset.bound = '1';
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('button');
      if (button) button.disabled = true;
      status('Queuing a new check…');
      fetch(form.action, { method: 'POST', headers: { accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (body.status === 'queued') return follow(body.events);
          status(body.message || (body.error && body.error.message) || 'Could not queue a check.');
          if (button) button.disabled = false;
        })
        .catch(function () {
          status('Could not reach the server.');
          if (button) button.disabled = false;
        });
    });
  }
  bind();
})();
`;
