"""Case forms the switcher may give a lexicon target (shared by the property tests)."""


def _simple(c: str, method: str) -> str:
    mapped = getattr(c, method)()
    return mapped if len(mapped) == 1 else c


def cased_forms(target: str) -> set[str]:
    """The target as written, UPPER, Title and Each Title, with simple mappings."""
    upper = "".join(_simple(c, "upper") for c in target)
    forms = {target, upper}
    for each in (False, True):
        out, want = [], True
        for c in target:
            if c.isalpha() and want:
                titled = _simple(c, "title")
                out.append(titled if titled != c else _simple(c, "upper"))
                want = False
            else:
                out.append(c)
                want = want or (each and c.isspace())
        forms.add("".join(out))
    return forms
