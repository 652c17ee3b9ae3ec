// The ticket page: a canned reply chosen from the list fills the reply box (its text was filled
// in for this ticket by the server: owner's name, ticket number). Staff can still edit it.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (!el.matches || !el.matches("select[data-fill-target]")) return;
  var option = el.options[el.selectedIndex];
  var target = document.getElementById(el.dataset.fillTarget);
  if (!target || !option || !option.dataset.text) return;
  target.value = option.dataset.text;
  target.focus();
});
