// One click on "確認して送信": the button is disabled while the acknowledgement is recorded.
document.getElementById("ack-form").addEventListener("submit", function () {
  document.getElementById("submit-ack").disabled = true;
});
