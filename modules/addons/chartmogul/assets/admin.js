/*
 * ChartMogul addon admin page (inlined by views/layout.php; no external scripts).
 *
 * Sync controls (.cm-sync): POST action=batch repeatedly, one short server batch per request,
 * until the engine says finished. The engine keeps the position, so a reload or a closed tab
 * loses nothing: the page starts from progress() and offers to continue. A "locked" answer means
 * cron (or another admin) holds the sync: wait and try again, it is not a failure.
 * Every request carries WHMCS's CSRF token from #cm-app[data-token].
 */
(function () {
  'use strict';

  var LOCK_RETRY_SECONDS = 15;
  var POLL_SECONDS = 5;
  var MAX_REJECTED_ROWS = 500;

  function ready(fn) {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', fn);
    } else {
      fn();
    }
  }

  ready(function () {
    var app = document.getElementById('cm-app');
    if (!app || !app.getAttribute('data-ajax-url')) {
      return;
    }
    var strings = {};
    try {
      strings = JSON.parse(app.getAttribute('data-strings') || '{}');
    } catch (e) {
      strings = {};
    }

    function say(key, vars) {
      var text = strings[key] || key;
      Object.keys(vars || {}).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(vars[name]));
      });
      return text;
    }

    function number(n) {
      return Number(n || 0).toLocaleString('en-US');
    }

    /* POSTs an action; resolves to {status, json} (json null when the answer was not JSON). */
    function post(action, fields) {
      var body = new URLSearchParams();
      body.append('token', app.getAttribute('data-token') || '');
      body.append('action', action);
      Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
      return fetch(app.getAttribute('data-ajax-url') + '&action=' + encodeURIComponent(action), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Requested-With': 'XMLHttpRequest' },
        body: body.toString()
      }).then(function (response) {
        return response.text().then(function (text) {
          var json = null;
          try { json = JSON.parse(text); } catch (e) { json = null; }
          return { status: response.status, json: json };
        });
      }, function () {
        return { status: 0, json: null };
      });
    }

    /* Replaces a container's content with one Bootstrap alert holding plain text. */
    function showAlert(container, type, text) {
      if (!container) { return; }
      container.textContent = '';
      if (!text) { return; }
      var div = document.createElement('div');
      div.className = 'alert alert-' + type + ' cm-alert';
      div.setAttribute('data-type', type);
      div.textContent = text;
      container.appendChild(div);
    }

    function initSync(el) {
      var kind = el.getAttribute('data-kind');
      var id = el.id;
      var $ = function (suffix) { return document.getElementById(id + suffix); };
      var bar = $('-bar');
      var text = $('-text');
      var message = $('-message');
      var start = $('-start');
      var pause = $('-pause');
      var countsTable = $('-counts');
      var rejectedWrap = $('-rejected-wrap');
      var rejectedBody = $('-rejected') ? $('-rejected').querySelector('tbody') : null;
      var canSync = el.getAttribute('data-can-sync') === '1';
      var state = {};
      try { state = JSON.parse(el.getAttribute('data-progress') || '{}'); } catch (e) { state = {}; }

      var paused = false;
      var timer = null;
      // The next click continues a pass drawn as under way; the server then checks it still is.
      var resumeNext = !state.finished && state.done > 0;
      var totals = {};
      var rejectedCount = 0;

      function setState(name) { el.setAttribute('data-state', name); }

      function setBar(done, total, finished) {
        var pct = finished ? 100 : (total > 0 ? Math.min(100, Math.floor(done * 100 / total)) : 0);
        bar.style.width = pct + '%';
        bar.textContent = pct + '%';
        bar.setAttribute('aria-valuenow', String(pct));
        text.textContent = say('js_progress_' + kind, { done: number(done), total: number(total) });
      }

      function setBusy(busy) {
        start.disabled = busy || !canSync;
        pause.style.display = busy ? '' : 'none';
        pause.disabled = false;
        bar.classList.toggle('progress-bar-striped', busy);
        bar.classList.toggle('active', busy);
      }

      function addCounts(counts) {
        if (!counts || typeof counts !== 'object') { return; }
        Object.keys(counts).forEach(function (object) {
          var c = counts[object] || {};
          var t = totals[object] || (totals[object] = { created: 0, updated: 0, deleted: 0, cancelled: 0 });
          ['created', 'updated', 'deleted', 'cancelled'].forEach(function (k) { t[k] += Number(c[k] || 0); });
        });
        var body = countsTable.querySelector('tbody');
        body.textContent = '';
        Object.keys(totals).forEach(function (object) {
          var tr = document.createElement('tr');
          tr.className = 'cm-count-row';
          tr.setAttribute('data-object', object);
          [object, totals[object].created, totals[object].updated, totals[object].deleted, totals[object].cancelled]
            .forEach(function (value, i) {
              var td = document.createElement('td');
              td.textContent = i === 0 ? value : number(value);
              tr.appendChild(td);
            });
          body.appendChild(tr);
        });
        countsTable.style.display = Object.keys(totals).length ? '' : 'none';
      }

      function addRejected(list) {
        if (!list || !list.length || !rejectedBody) { return; }
        list.forEach(function (item) {
          rejectedCount++;
          if (rejectedCount > MAX_REJECTED_ROWS) { return; } // the Logs tab has them all
          var tr = document.createElement('tr');
          tr.className = 'cm-rejected-row';
          [item.record, item.kind, item.reason].forEach(function (value) {
            var td = document.createElement('td');
            td.textContent = value == null ? '' : String(value);
            tr.appendChild(td);
          });
          rejectedBody.appendChild(tr);
        });
        rejectedWrap.style.display = '';
      }

      function finish() {
        setBusy(false);
        setState('finished');
        resumeNext = false;
        start.textContent = say('sync_start_' + kind);
        if (rejectedCount > 0) {
          showAlert(message, 'warning', say('js_finished_rejected', { count: number(rejectedCount) }));
        } else {
          showAlert(message, 'success', say('js_finished'));
        }
      }

      function stopPaused() {
        setBusy(false);
        setState('paused');
        resumeNext = true;
        start.textContent = say('js_continue');
        showAlert(message, 'info', say('js_paused'));
      }

      function fail(text) {
        setBusy(false);
        setState('failed');
        start.textContent = say('js_retry');
        showAlert(message, 'danger', text);
      }

      function step() {
        var fields = { kind: kind };
        if (resumeNext) { fields.resume = '1'; resumeNext = false; }
        post('batch', fields).then(function (res) {
          var j = res.json;
          if (!j) { fail(say('js_unexpected')); return; }
          if (j.already_finished) {
            // Finished elsewhere since this page was drawn: nothing was started.
            setBar(j.done, j.total, true);
            setBusy(false);
            setState('finished');
            start.textContent = say('sync_start_' + kind);
            showAlert(message, 'success', say('js_already_finished'));
            return;
          }
          if (j.error) {
            if (j.kind === 'locked') {
              // cron holds the lock: not a failure, just wait for it
              setState('waiting');
              showAlert(message, 'warning', say('js_locked_retry', { seconds: LOCK_RETRY_SECONDS }));
              timer = setTimeout(function () {
                timer = null;
                if (paused) { stopPaused(); } else { step(); }
              }, LOCK_RETRY_SECONDS * 1000);
              return;
            }
            fail(say('js_failed', { message: j.error }));
            return;
          }
          setBar(j.done, j.total, j.finished);
          addCounts(j.counts);
          addRejected(j.rejected);
          if (j.finished) { finish(); return; }
          if (paused) { stopPaused(); return; }
          setState('running');
          showAlert(message, 'info', say('js_working'));
          step();
        });
      }

      function begin() {
        paused = false;
        setBusy(true);
        setState('running');
        showAlert(message, 'info', say('js_working'));
        step();
      }

      /* Someone else (cron, another admin) is running this sync: follow it until it stops. */
      function follow() {
        setBusy(false);
        start.disabled = true;
        setState('following');
        post('progress', { kind: kind }).then(function (res) {
          var j = res.json;
          if (!j || j.error) { start.disabled = !canSync; setState('idle'); return; }
          setBar(j.done, j.total, j.finished);
          if (j.running) {
            showAlert(message, 'info', say('js_running_elsewhere'));
            timer = setTimeout(follow, POLL_SECONDS * 1000);
            return;
          }
          start.disabled = !canSync;
          if (j.finished) {
            setState('finished');
            showAlert(message, 'success', say('js_finished'));
          } else {
            setState(j.done > 0 ? 'paused' : 'idle');
            resumeNext = j.done > 0;
            if (j.done > 0) { start.textContent = say('js_continue'); }
            showAlert(message, '', '');
          }
        });
      }

      start.addEventListener('click', begin);
      pause.addEventListener('click', function () {
        paused = true;
        pause.disabled = true;
        if (timer) { clearTimeout(timer); timer = null; stopPaused(); }
      });

      if (state.running) {
        timer = setTimeout(follow, POLL_SECONDS * 1000);
        setState('following');
      } else if (!state.finished && state.done > 0) {
        setState('paused');
      } else {
        setState(state.finished ? 'finished' : 'idle');
      }
    }

    function initTestConnection() {
      var button = document.getElementById('cm-test-connection');
      var result = document.getElementById('cm-test-connection-result');
      if (!button || !result) { return; }
      button.addEventListener('click', function () {
        button.disabled = true;
        result.removeAttribute('data-ok');
        showAlert(result, 'info', say('js_testing'));
        post('test_connection', {}).then(function (res) {
          button.disabled = false;
          var j = res.json;
          if (!j) { showAlert(result, 'danger', say('js_unexpected')); result.setAttribute('data-ok', '0'); return; }
          if (j.error) { showAlert(result, 'danger', j.error); result.setAttribute('data-ok', '0'); return; }
          result.setAttribute('data-ok', j.ok ? '1' : '0');
          if (j.problem) { result.setAttribute('data-problem', j.problem); }
          showAlert(result, j.ok ? 'success' : 'danger', (j.ok ? say('js_test_ok') : say('js_test_failed')) + ' — ' + (j.message || ''));
        });
      });
    }

    Array.prototype.forEach.call(document.querySelectorAll('.cm-sync'), initSync);
    initTestConnection();
  });
}());
