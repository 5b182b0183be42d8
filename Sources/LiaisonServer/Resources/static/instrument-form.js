// Live validation of an instrument's official form: a moment after the user stops typing, the
// form as it stands is checked by the node (POST /instruments/check, nothing is stored) and each
// problem is shown at its field or section. Without JavaScript the same check runs on saving.
(function () {
  "use strict";
  var form = document.getElementById("instrument-form");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var summary = document.getElementById("live-problems");
  var timer = null;
  var sequence = 0;

  function clear() {
    var shown = form.querySelectorAll(".live-problem");
    for (var i = 0; i < shown.length; i++) { shown[i].parentNode.removeChild(shown[i]); }
    var invalid = form.querySelectorAll("[data-live-invalid]");
    for (var j = 0; j < invalid.length; j++) { invalid[j].removeAttribute("aria-invalid"); invalid[j].removeAttribute("data-live-invalid"); }
  }

  function show(problems) {
    clear();
    for (var i = 0; i < problems.length; i++) {
      var problem = problems[i];
      var note = document.createElement("small");
      note.className = "problem live-problem";
      note.textContent = problem.message;
      var target = problem.anchor ? document.getElementById(problem.anchor) : null;
      if (target && target.tagName === "FIELDSET") {
        var legend = target.querySelector("legend");
        (legend || target).appendChild(note);
      } else if (target) {
        target.setAttribute("aria-invalid", "true");
        target.setAttribute("data-live-invalid", "");
        target.parentNode.appendChild(note);
      }
    }
    if (summary) {
      summary.textContent = problems.length === 0 ? summary.getAttribute("data-none") : problems.length + " " + summary.getAttribute("data-some");
    }
  }

  function check() {
    var mine = ++sequence;
    var body = new URLSearchParams(new FormData(form));
    fetch("/instruments/check", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body.toString()
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && mine === sequence) { show(answer.problems || []); } })
      .catch(function () { /* the check on saving still runs */ });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 600);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
