"""Structural checks of a rendered HTML page (the standard library's parser, no validator):
tags closed in order, ids unique, and every label `for`, `aria-describedby`,
`aria-labelledby` and `aria-controls` naming an id of the page."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Elements whose end tag HTML lets the author leave out.
OPTIONAL_END = {"p", "li", "option", "optgroup", "td", "th", "tr", "thead", "tbody", "dt", "dd"}
REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, tuple[int, int]]] = []
        self.ids: set[str] = set()
        self.references: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if (id_ := attributes.get("id")) is not None:
            if id_ in self.ids:
                self.problems.append(f"duplicate id {id_!r} at line {self.getpos()[0]}")
            self.ids.add(id_)
        if tag == "label" and attributes.get("for"):
            self.references.append(("label for", attributes["for"]))
        for name in REFERENCES:
            self.references += [(name, ref) for ref in (attributes.get(name) or "").split()]
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "img" and "alt" not in attributes:
            self.problems.append(f"img without alt at line {self.getpos()[0]}")
        if tag not in VOID:
            self.open.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.open and self.open[-1][0] != tag and self.open[-1][0] in OPTIONAL_END:
            self.open.pop()
        if self.open and self.open[-1][0] == tag:
            self.open.pop()
        else:
            still = [name for name, _ in self.open[-3:]]
            self.problems.append(f"</{tag}> at line {self.getpos()[0]} closes nothing "
                                 f"(open: {still})")

    def close(self):
        super().close()
        unclosed = [f"<{name}> of line {pos[0]}" for name, pos in self.open
                    if name not in OPTIONAL_END]
        if unclosed:
            self.problems.append(f"never closed: {', '.join(unclosed)}")
        self.problems += [f"{kind} names no element: {ref!r}" for kind, ref in self.references
                          if ref not in self.ids]


def html_problems(html: str) -> tuple[list[str], list[str]]:
    """(problems, links) of a page."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems, checker.links
