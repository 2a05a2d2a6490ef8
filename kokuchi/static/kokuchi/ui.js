/* Kokuchi staff UI behaviour, loaded as a static file so that pages need no inline script (CSP). */
(function () {
  "use strict";

  // Navigation groups: opening one closes the others; a click elsewhere or Escape closes all.
  function closeGroups(except) {
    document.querySelectorAll("details.navgroup[open]").forEach(function (group) {
      if (group !== except) group.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    var group = event.target.closest ? event.target.closest("details.navgroup") : null;
    closeGroups(group);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeGroups(null);
  });

  // Copy buttons: <button data-copy-target="element-id">; the label says "Copied" for a moment.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || label;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { source.select && source.select(); });
    } else {
      if (source.select) source.select();
      try { document.execCommand("copy"); done(); } catch (error) { /* the text stays selected */ }
    }
  });

  // Confirmation and progress: <form data-confirm="question" data-busy-label="Issuing…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var busy = form.getAttribute("data-busy-label");
    if (busy) {
      // After the submission has taken the button's name and value: a disabled button sends none.
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          button.setAttribute("aria-busy", "true");
          button.disabled = true;
          button.textContent = busy;
        });
      }, 0);
    }
  });

  // In-person signature: <canvas id="signature-pad" data-signature-input="hidden-input-id"> in a form.
  var canvas = document.getElementById("signature-pad");
  if (canvas && canvas.getContext) {
    var context = canvas.getContext("2d"), drawing = false, drawn = false;
    context.lineWidth = 2.5;
    context.lineCap = "round";
    var position = function (event) {
      var rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * canvas.width / rect.width, (event.clientY - rect.top) * canvas.height / rect.height];
    };
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      var point = position(event);
      context.beginPath();
      context.moveTo(point[0], point[1]);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var point = position(event);
      context.lineTo(point[0], point[1]);
      context.stroke();
      drawn = true;
    });
    window.addEventListener("pointerup", function () { drawing = false; });
    var clear = document.getElementById("clear-signature");
    if (clear) clear.addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
    });
    var form = canvas.closest("form");
    if (form) form.addEventListener("submit", function () {
      var input = document.getElementById(canvas.getAttribute("data-signature-input"));
      if (input) input.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  }
})();
