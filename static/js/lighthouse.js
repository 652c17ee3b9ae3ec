// Small behaviours without inline script (the Content-Security-Policy forbids it).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});

// SMS length: characters and how many messages a provider will bill (70 per Chinese SMS, 67 when split).
document.addEventListener("input", function (event) {
  var el = event.target;
  if (!el.matches || !el.matches("[data-sms-counter]")) return;
  var out = document.getElementById("sms-count");
  if (!out) return;
  // The link the SMS carries counts too (data-sms-extra: its length with the space before it).
  var n = Array.from(el.value).length + parseInt(el.dataset.smsExtra || "0", 10);
  var parts = n <= 70 ? (n ? 1 : 0) : Math.ceil(n / 67);
  out.textContent = out.dataset.template.replace("{chars}", n).replace("{parts}", parts);
});

// A form that sends messages is submitted once: its buttons are disabled as it goes (the server
// refuses a repeat as well; this only spares the second request).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form[data-submit-once]")) return;
  if (form.dataset.submitted) { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  window.setTimeout(function () {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  }, 0);
});
