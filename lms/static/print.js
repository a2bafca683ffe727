// Print pages: a Print button (hidden without JavaScript; the page says how to print from the menu).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
