// "Read aloud" for a lesson without a recording: the device's own Vietnamese voice, nothing
// sent anywhere. Hidden without JavaScript or without a Vietnamese voice.
(function () {
  var button = document.querySelector("[data-read-aloud]");
  var synth = window.speechSynthesis;
  if (!button || !synth || !window.SpeechSynthesisUtterance) return;
  var label = button.lastElementChild, start = label.textContent, run = 0, voice = null;

  function findVoice() {
    voice = synth.getVoices().filter(function (v) { return /^vi/i.test(v.lang); })[0] || null;
    button.hidden = !voice;
  }
  function show(on) {
    label.textContent = on ? button.dataset.stop : start;
    button.setAttribute("aria-pressed", String(on));
  }
  function paragraphs() {
    var text = document.getElementById("lesson-text");
    var parts = [document.getElementById("lesson-title")].concat(Array.prototype.filter.call(
      text.querySelectorAll("h2,h3,h4,p,li,th,td,pre,figcaption"),
      function (e) { return !e.parentElement.closest("p,li,th,td,pre,figcaption"); }));
    if (parts.length < 2) parts.push(text);
    return parts.map(function (e) { return e.textContent.trim(); }).filter(Boolean);
  }
  button.addEventListener("click", function () {
    var mine = ++run, speaking = label.textContent !== start;
    synth.cancel();
    show(!speaking);
    if (speaking) return;
    paragraphs().forEach(function (part, i, all) {
      var u = new SpeechSynthesisUtterance(part);
      u.voice = voice;
      u.lang = "vi-VN";
      u.rate = 0.9;
      if (i === all.length - 1) u.onend = u.onerror = function () { if (mine === run) show(false); };
      synth.speak(u);
    });
  });
  window.addEventListener("pagehide", function () { synth.cancel(); });
  synth.onvoiceschanged = findVoice;
  findVoice();
})();
