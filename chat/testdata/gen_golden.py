#!/usr/bin/env python3
"""Render the golden conversations with Python's Jinja2 set up as Hugging Face
transformers sets it up for apply_chat_template, and write golden/*.txtar.

transformers itself is not installable here, so this reproduces its
environment (transformers/utils/chat_template_utils.py, _compile_jinja_template
and render_jinja_template): an ImmutableSandboxedEnvironment with
trim_blocks, lstrip_blocks, the loopcontrols extension and the
{% generation %} tag; its tojson filter
(json.dumps with ensure_ascii=False, keys in given order, indent, separators,
sort_keys); raise_exception raising TemplateError; strftime_now reading the
clock (pinned here to NOW, as `plan prompt --now` pins it); render(messages=,
tools=, documents=, add_generation_prompt=, bos_token=, eos_token=, **kwargs)
with tools and documents None when absent.

Run from this directory (go test ./chat -run TestGolden -update does):
    python3 gen_golden.py
Needs python3-jinja2 (Debian) or Jinja2 from pip.
"""
import datetime
import json
import os
import sys

import jinja2
import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

NOW = datetime.datetime(2026, 7, 26, 10, 30, 0)  # naive, as datetime.now() is
CONVERSATIONS = ["plain", "tools", "toolcall", "parts"]


class Generation(jinja2.ext.Extension):
    """transformers' AssistantTracker: {% generation %}...{% endgeneration %}
    marks the assistant's part and renders its body unchanged (the marks
    only matter for return_assistant_tokens_mask, not used here)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.Scope(body, lineno=lineno)


class Raised(TemplateError):
    """What raise_exception raises (transformers raises TemplateError; a
    subclass tells the template's own refusals from other failures)."""


def compile_template(src):
    def raise_exception(message):
        raise Raised(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent,
                          separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(src)


def render(tmpl, conv, fam):
    kwargs = dict(fam.get("kwargs", {}))
    return tmpl.render(messages=conv["messages"], tools=conv.get("tools"),
                       documents=None, add_generation_prompt=True,
                       bos_token=fam.get("bos", ""), eos_token=fam.get("eos", ""),
                       **kwargs)


def main():
    with open("families.json", encoding="utf-8") as f:
        families = json.load(f)
    convs = {}
    for name in CONVERSATIONS:
        with open(os.path.join("conversations", name + ".json"), encoding="utf-8") as f:
            convs[name] = json.load(f)
    os.makedirs("golden", exist_ok=True)
    for fam in families:
        with open(fam["template"], encoding="utf-8") as f:
            tmpl = compile_template(f.read())
        out = ["Expected renderings of %s by gen_golden.py: Python Jinja2 %s with\n"
               "transformers' chat-template environment (see the script). Do not edit.\n"
               % (fam["template"], jinja2.__version__)]
        for name in CONVERSATIONS:
            try:
                text = render(tmpl, convs[name], fam)
                out.append("-- %s --\n%s" % (name, text))
                if not text.endswith("\n"):
                    out.append("\n-- %s.no-newline --\n" % name)
            except Raised as e:
                out.append("-- %s.raised --\n%s\n" % (name, e))
            except Exception as e:  # the template fails on this input
                out.append("-- %s.failed --\n%s: %s\n" % (name, type(e).__name__, e))
        with open(os.path.join("golden", fam["name"] + ".txtar"), "w", encoding="utf-8") as f:
            f.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
