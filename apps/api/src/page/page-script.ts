/**
 * The page's only script, inline: "check again" without a reload, and the
 * live update when the new result lands (SSE). Without JavaScript the same
 * button posts a form and the page says a check is queued; everything else is
 * server-rendered.
 *
 * The status line (#live-status) is the layout's, outside <main>: it stays in
 * the page while <main> is swapped, so what it is told is announced. A busy
 * button is aria-disabled, not disabled: a disabled button loses the focus
 * (to the body), and a screen reader user then has to find their place again.
 */
export const PAGE_SCRIPT = `
(function () {
  if (!window.fetch || !window.EventSource || !('content' in document.createElement('template'))) return;
  var live = null;
  function status(text) {
    var el = document.getElementById('live-status');
    if (el) el.textContent = text;
  }
  function busy(button, on) {
    if (!button) return;
    if (on) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  }
  function isBusy(button) {
    return !!button && button.getAttribute('aria-disabled') === 'true';
  }
  function swap() {
    return fetch(location.pathname + '?part=main', { headers: { accept: 'text/html' } })
      .then(function (r) { return r.text(); })
      .then(function (text) {
        var template = document.createElement('template');
        template.innerHTML = text;
        var next = template.content.querySelector('main');
        var main = document.querySelector('main');
        if (!next || !main) return;
        // The focus (the button, most often) goes with the old <main>: give it to the new heading rather than
        // the body. Focus elsewhere (the search box) is left where it is.
        var focused = document.activeElement;
        var lost = !focused || focused === document.body || main.contains(focused);
        main.replaceWith(next);
        bind();
        var heading = next.querySelector('h1');
        if (lost && heading) heading.focus();
      });
  }
  function follow(url) {
    if (live) live.close();
    var button = document.querySelector('form[data-refresh] button');
    busy(button, true);
    status('Checking now… this page updates by itself when the new result lands.');
    live = new EventSource(url);
    live.addEventListener('result', function () {
      live.close();
      live = null;
      swap().then(
        function () { status('Updated just now.'); },
        function () {
          status('A new result is in, but it could not be loaded here: reload the page.');
          busy(button, false);
        }
      );
    });
    // A refused stream (429 with too many open, 503 without Redis) closes for good: say so and free the
    // button, which would otherwise stay busy and swallow every press. A dropped one reconnects by itself.
    live.addEventListener('error', function () {
      if (!live || live.readyState !== EventSource.CLOSED) return;
      live = null;
      status('Could not follow the check live; it is still queued. Reload in a while.');
      busy(button, false);
    });
    live.addEventListener('timeout', function () {
      live.close();
      live = null;
      status('No new result yet; the check is still queued. Reload in a while.');
      busy(button, false);
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
      // A check is already on its way: a second press would only queue the same one.
      if (isBusy(button)) return;
      busy(button, true);
      status('Queuing a new check…');
      fetch(form.action, { method: 'POST', headers: { accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (body.status === 'queued') return follow(body.events);
          status(body.message || (body.error && body.error.message) || 'Could not queue a check.');
          busy(button, false);
        })
        .catch(function () {
          status('Could not reach the server.');
          busy(button, false);
        });
    });
  }
  bind();
})();
`;
