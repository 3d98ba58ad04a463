// The language switch of the two-language report (remembers the choice in the URL hash).
(function () {
  var root = document.documentElement;
  function set(lang) {
    root.setAttribute('data-lang', lang);
    root.setAttribute('lang', lang);
    document.querySelectorAll('[data-set-lang]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-set-lang') === lang));
    });
    if (history.replaceState) { history.replaceState(null, '', '#' + lang); }
  }
  document.querySelectorAll('[data-set-lang]').forEach(function (b) {
    b.addEventListener('click', function () { set(b.getAttribute('data-set-lang')); });
  });
  var wanted = (location.hash || '').replace('#', '');
  if (wanted === 'en' || wanted === 'es') { set(wanted); }
})();
