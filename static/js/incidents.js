// The live countdown to an incident's first-statement deadline: reads the deadline from
// data-countdown (ISO 8601) and the two sentences from data-left / data-over ("%(time)s" is
// replaced); turns red when the deadline has passed. No inline script (Content-Security-Policy).
(function () {
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" : "") + pad(m) + ":" + pad(s % 60);
  }
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.dataset.countdown);
      if (isNaN(due)) return;
      var left = due - Date.now();
      var over = left < 0;
      el.textContent = (over ? el.dataset.over : el.dataset.left).replace("%(time)s", span(left));
      el.classList.toggle("text-danger", over);
      el.classList.toggle("lh-overdue", over);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
