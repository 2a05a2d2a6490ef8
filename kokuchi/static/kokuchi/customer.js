/* The customer's acknowledgement page: one submission only (the button is disabled once sent). */
(function () {
  "use strict";
  var form = document.getElementById("ack-form");
  var button = document.getElementById("submit-ack");
  if (form && button) {
    form.addEventListener("submit", function () {
      setTimeout(function () { button.disabled = true; }, 0);
    });
  }
})();
