// Progressive enhancement for the feedback assistant; the pages work without it.
// After each step the page reloads, so announce the newest assistant message to screen readers
// and bring it into view; the server already puts focus on the next input with autofocus.
(function () {
  var latest = document.getElementById("latest");
  var announcer = document.getElementById("chat-announcer");
  if (!latest) return;
  latest.scrollIntoView({ block: "nearest" });
  var bubbles = document.querySelectorAll(".bubble.assistant");
  var newest = bubbles[bubbles.length - 1];
  if (announcer && newest) {
    // A short delay lets assistive technology register the empty live region first.
    setTimeout(function () {
      var clone = newest.cloneNode(true);
      var who = clone.querySelector(".who");
      if (who) who.remove();
      announcer.textContent = clone.textContent.replace(/\s+/g, " ").trim();
    }, 300);
  }
})();
