// "Copy" buttons: <button data-copy="ID" data-done="text" hidden> copies the value of #ID and
// says so in #ID-status. Without JavaScript the button stays hidden and the text is selectable.
(function () {
  "use strict";
  function copied(button) {
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (status) { status.textContent = button.getAttribute("data-done"); }
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var area = document.getElementById(button.getAttribute("data-copy"));
    if (!area) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      area.focus();
      area.select();
      // The clipboard API needs HTTPS (or localhost); a school intranet may serve plain HTTP.
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(area.value).then(function () { copied(button); },
          function () { if (document.execCommand("copy")) { copied(button); } });
      } else if (document.execCommand("copy")) {
        copied(button);
      }
    });
  });
}());
