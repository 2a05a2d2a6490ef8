// The in-person signature pad: draws on the canvas, puts the PNG into the hidden field on submit.
(function () {
  var canvas = document.getElementById("signature-pad"), ctx = canvas.getContext("2d"), drawing = false, drawn = false;
  ctx.lineWidth = 2.5; ctx.lineCap = "round";
  function pos(e) { var r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; }
  canvas.addEventListener("pointerdown", function (e) { drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
  canvas.addEventListener("pointermove", function (e) { if (!drawing) return; var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; });
  window.addEventListener("pointerup", function () { drawing = false; });
  document.getElementById("clear-signature").addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
  document.getElementById("in-person-form").addEventListener("submit", function () {
    document.getElementById(canvas.dataset.signatureField).value = drawn ? canvas.toDataURL("image/png") : "";
  });
})();
