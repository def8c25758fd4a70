// Submits a form when one of its <select data-autosubmit> changes. A file, not an inline
// handler, so the Content-Security-Policy can forbid inline scripts (issue 18 row 9).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
