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
  var n = Array.from(el.value).length;
  var parts = n <= 70 ? (n ? 1 : 0) : Math.ceil(n / 67);
  out.textContent = out.dataset.template.replace("{chars}", n).replace("{parts}", parts);
});
