"""The checks that read Plinth's source rather than run it.  Each returns
(ok, detail); tests/runner.py reports them as static/NAME."""

import layering


def check_layering(root):
    bad = layering.wrong_edges(root)
    return not bad, "\n".join("%s:%d: includes %s: %s" % b for b in bad)


CHECKS = [
    ("layering", check_layering),
]
