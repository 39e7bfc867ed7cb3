// The reference's search box: matches the words typed against each tool's
// name, title, area, description and argument names, from the index that
// search-index.js sets. No dependencies; works from a server and from file://.
(function () {
  'use strict';

  var input = document.getElementById('search');
  var list = document.getElementById('search-results');
  var index = window.TEETRACK_SEARCH_INDEX || [];
  if (!input || !list) {
    return;
  }
  var root = document.body.getAttribute('data-root') || '';
  var active = -1;

  function words(text) {
    return text.toLowerCase().split(/[^a-z0-9_]+/).filter(Boolean);
  }

  var prepared = index.map(function (entry) {
    return {
      entry: entry,
      name: entry.name.toLowerCase(),
      title: words(entry.title),
      area: entry.area.toLowerCase(),
      text: words(entry.text),
      props: words(entry.props)
    };
  });

  function startsAny(list, term) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].indexOf(term) === 0) {
        return true;
      }
    }
    return false;
  }

  // Every term must match somewhere; the name weighs most, the description least.
  function score(item, terms) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      var s = 0;
      if (item.name === t) {
        s += 20;
      } else if (item.name.indexOf(t) !== -1) {
        s += 8;
      }
      if (startsAny(item.title, t)) {
        s += 5;
      }
      if (item.area.indexOf(t) === 0) {
        s += 3;
      }
      if (startsAny(item.text, t)) {
        s += 2;
      }
      if (startsAny(item.props, t)) {
        s += 1;
      }
      if (s === 0) {
        return 0;
      }
      total += s;
    }
    return total;
  }

  function search(query) {
    var terms = words(query);
    if (terms.length === 0) {
      return [];
    }
    return prepared
      .map(function (item) {
        return { item: item, score: score(item, terms) };
      })
      .filter(function (r) {
        return r.score > 0;
      })
      .sort(function (a, b) {
        return b.score - a.score || (a.item.name < b.item.name ? -1 : 1);
      })
      .map(function (r) {
        return r.item.entry;
      });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function render() {
    var query = input.value.trim();
    list.textContent = '';
    active = -1;
    if (!query) {
      list.hidden = true;
      return;
    }
    var results = search(query);
    if (results.length === 0) {
      list.appendChild(el('li', 'none', 'No tool matches “' + query + '”.'));
    }
    results.forEach(function (entry) {
      var li = el('li');
      li.setAttribute('role', 'option');
      var a = el('a');
      a.href = root + entry.url;
      var head = el('span', 'head');
      head.appendChild(el('code', '', entry.name));
      head.appendChild(el('span', 'area', entry.area));
      a.appendChild(head);
      a.appendChild(el('span', 'summary', entry.title + ' — ' + entry.summary));
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  function links() {
    return list.querySelectorAll('a');
  }

  function focus(i) {
    var all = links();
    if (all.length === 0) {
      return;
    }
    active = (i + all.length) % all.length;
    all[active].focus();
  }

  input.addEventListener('input', render);
  input.addEventListener('focus', function () {
    if (input.value.trim()) {
      render();
    }
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      focus(0);
    } else if (event.key === 'Enter') {
      var first = links()[0];
      if (first) {
        event.preventDefault();
        window.location.href = first.href;
      }
    } else if (event.key === 'Escape') {
      input.value = '';
      render();
    }
  });
  list.addEventListener('keydown', function (event) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      focus(active + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (active <= 0) {
        active = -1;
        input.focus();
      } else {
        focus(active - 1);
      }
    } else if (event.key === 'Escape') {
      input.focus();
      list.hidden = true;
    }
  });
  document.addEventListener('click', function (event) {
    if (!event.target.closest || !event.target.closest('.search')) {
      list.hidden = true;
    }
  });
  // "/" jumps to the search box, as on most reference sites.
  document.addEventListener('keydown', function (event) {
    var tag = document.activeElement && document.activeElement.tagName;
    if (event.key === '/' && tag !== 'INPUT' && tag !== 'TEXTAREA') {
      event.preventDefault();
      input.focus();
    }
  });
})();
