// Small improvements only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move the keyboard focus to the error summary so screen readers announce it.
  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
});
