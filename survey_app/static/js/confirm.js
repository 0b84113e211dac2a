// Asks before a form with a data-confirm question is sent (kept out of the page: the
// Content-Security-Policy runs no inline script). Without JavaScript the form is sent as is.
document.addEventListener("submit", (event) => {
  const question = event.target instanceof HTMLFormElement ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
