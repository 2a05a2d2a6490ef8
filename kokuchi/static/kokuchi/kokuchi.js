// Behaviour for the staff pages, kept out of the HTML so that the Content-Security-Policy allows
// no inline script: a button with data-copy-from="ID" copies that element's value.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-from]");
  if (!button) return;
  var source = document.getElementById(button.dataset.copyFrom);
  if (source && navigator.clipboard) navigator.clipboard.writeText(source.value);
});
