"""The HTML checks the page crawl relies on find what they name, and pass what HTML allows."""

from tests.html_checks import html_problems


def test_a_well_formed_page_has_no_problem():
    page = ('<main><label for="q">Search</label><input id="q" aria-describedby="h">'
            '<p id="h">Hint<ul><li>one<li>two</ul><img src="x.png" alt=""><br></main>')
    assert html_problems(page) == ([], [])


def test_each_kind_of_problem_is_named():
    page = ('<div id="a"></div><span id="a"></span><label for="missing">x</label>'
            '<input aria-describedby="gone"><img src="x.png"><section><div></section>')
    problems, _ = html_problems(page)
    text = "\n".join(problems)
    assert "duplicate id 'a'" in text
    assert "label for names no element: 'missing'" in text
    assert "aria-describedby names no element: 'gone'" in text
    assert "img without alt" in text
    assert "</section> at line 1 closes nothing" in text
    assert "never closed" in text


def test_links_are_collected():
    assert html_problems('<a href="/vendors/">V</a><a>no href</a>')[1] == ["/vendors/"]
