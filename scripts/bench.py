#!/usr/bin/env python3
"""Guidepost benchmark harness (issue 6).

Generates a synthetic site of N pages from a fixed seed, builds it R times with
guidepost (and with hugo / zola when they are on PATH, plus an optional "floor"
binary), and prints median wall time, CPU time, peak RSS and pages/second.
Optionally (--serve) measures live-reload latency of `guidepost serve`.

Python 3.11 standard library only.

    python3 scripts/bench.py [--sizes 1000,10000] [--runs 5] [--bin PATH]
                             [--keep DIR] [--serve] [--floor-bin PATH]

See scripts/README-bench.md for details and caveats.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import gzip
import http.server
import http.client
import json
import os
import platform
import random
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BIN = REPO / "target" / "release" / "guidepost"
SEED = 42
NUM_SECTIONS = 20

# --------------------------------------------------------------------------
# Synthetic content model
# --------------------------------------------------------------------------

WORDS = (
    "the of and to in is that for it as with was on be by this are or from at "
    "an but not have which they one had all their there been has when who will "
    "more no if out so up said what its about into than them can only other new "
    "some could time these two may then do first any my now such like our over "
    "man me even most made after also did many before must through back years "
    "where much your way well down should because each just those people how too "
    "little state good very make world still own see men work long get here "
    "between both life being under never day same another know while last might "
    "us great old year off come since against go came right used take three "
    "states himself few house use during without again place around however home "
    "small found thought went say part once general high upon school every don "
    "does got united left number course war until always away something fact "
    "though water less public put think almost hand enough far took head yet "
    "government system better set told nothing night end why called didn eyes "
    "find going look asked later knew point next program city business give group "
    "toward young days let room president side social given present several order "
    "national possible rather second face per among form important often things "
    "looked early white case john become large big need four within felt along "
    "children saw best church ever least power development light thing seemed "
    "family interest want members mind country area others although turned done "
    "open god service problem certain kind different thus began door help sense "
    "whole matter perhaps itself york times law human line above name example "
    "action company hands local show whether five history gave today either act "
    "feet across taken past quite anything seen having death experience body word "
    "half really field am car words already themselves information tell together "
    "college shall money period held keep sure probably free seems political real "
    "cannot behind miss question air office making brought whose special major "
    "heard problems federal became study ago moment available known result street "
    "economic boy position reason change south board individual job society areas "
    "west close turn love community true court force full seem wife future age "
    "wanted department voice center woman control common necessary following front "
    "sometimes six girl clear further land run students provide feel party able "
    "mother music education university child effect level stood military town "
    "short morning total outside rate figure class art century washington north "
    "usually leave therefore evidence percent black sound earth hours care"
).split()

TAGS = [
    "rust", "markdown", "templates", "performance", "search", "taxonomy",
    "deployment", "hosting", "security", "privacy", "accessibility", "design",
    "typography", "images", "feeds", "sitemaps", "links", "navigation",
    "testing", "tooling", "caching", "builds", "content", "themes", "i18n",
    "analytics", "seo", "writing", "editing", "reference",
]

CODE_LANGS = ["rust", "python", "toml", "bash"]


def _sentence(rng: random.Random, lo: int = 6, hi: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _para(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(lo, hi)))


def _title(rng: random.Random, lo: int = 2, hi: int = 5) -> str:
    return " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(lo, hi)))


def _code_block(rng: random.Random) -> str:
    lang = rng.choice(CODE_LANGS)
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    n = rng.randint(1, 999)
    if lang == "rust":
        body = (f"fn {a}_{b}(x: u32) -> u32 {{\n"
                f"    let {a} = x * {n};\n"
                f"    {a} + 1\n}}")
    elif lang == "python":
        body = (f"def {a}_{b}(x):\n"
                f"    {a} = x * {n}\n"
                f"    return {a} + 1")
    elif lang == "toml":
        body = (f"[{a}]\n{b} = {n}\nname = \"{a}-{b}\"")
    else:
        body = (f"for f in {a}/*.md; do\n"
                f"  echo \"$f\" | grep {b} | head -n {n}\ndone")
    return f"```{lang}\n{body}\n```"


LINK_PLACEHOLDER = "%%SIBLING%%"


@dataclass
class Page:
    sec: int
    idx: int           # global page index
    title: str
    date: str          # YYYY-MM-DD
    description: str
    tags: list
    body: str          # Markdown with LINK_PLACEHOLDER for the sibling link target
    sibling: tuple     # (sec, idx)

    @property
    def sec_name(self) -> str:
        return f"sec-{self.sec:02d}"

    @property
    def slug(self) -> str:
        return f"page-{self.idx:05d}"


@dataclass
class Section:
    sec: int
    title: str
    description: str
    intro: str

    @property
    def name(self) -> str:
        return f"sec-{self.sec:02d}"


@dataclass
class SiteModel:
    n: int
    home_intro: str
    sections: list
    pages: list

    def avg_body_bytes(self) -> float:
        return statistics.mean(len(p.body.encode()) for p in self.pages) if self.pages else 0.0


def make_model(n: int) -> SiteModel:
    """All random draws happen here, in a fixed order, from Random(42)."""
    rng = random.Random(SEED)
    home_intro = _para(rng, 2, 3)
    sections = []
    for s in range(NUM_SECTIONS):
        sections.append(Section(s, f"Section {s:02d} {_title(rng, 1, 2)}",
                                _sentence(rng), _para(rng, 1, 2)))
    members: dict[int, list[int]] = {s: [] for s in range(NUM_SECTIONS)}
    for i in range(n):
        members[i % NUM_SECTIONS].append(i)
    base = _dt.date(2020, 1, 1)
    pages = []
    for i in range(n):
        s = i % NUM_SECTIONS
        title = _title(rng, 3, 6)
        date = (base + _dt.timedelta(days=rng.randrange(0, 5 * 365))).isoformat()
        desc = _sentence(rng, 8, 16)
        tags = rng.sample(TAGS, 2)
        j = i  # a lone page in its section links to itself
        while j == i and len(members[s]) > 1:
            j = rng.choice(members[s])
        items = "\n".join(f"- {_sentence(rng, 3, 8)}" for _ in range(rng.randint(4, 6)))
        rows = "\n".join(
            f"| {rng.choice(WORDS)} | {rng.randint(1, 9999)} | {_sentence(rng, 2, 5)} |"
            for _ in range(4))
        parts = [
            _para(rng, 3, 4),
            f"## {_title(rng)}",
            _para(rng, 4, 5),
            items,
            f"## {_title(rng)}",
            _para(rng, 1, 2),
            "| Name | Value | Notes |\n| --- | ---: | --- |\n" + rows,
            _para(rng, 2, 3),
            _code_block(rng),
            "> " + _sentence(rng) + " " + _sentence(rng),
            f"### {_title(rng)}",
            f"{_sentence(rng)} See [sibling]({LINK_PLACEHOLDER}) for *more* on "
            f"**{rng.choice(WORDS)}**. {_sentence(rng)}",
            _para(rng, 3, 4),
        ]
        pages.append(Page(s, i, title, date, desc, tags, "\n\n".join(parts) + "\n", (s, j)))
    return SiteModel(n, home_intro, sections, pages)


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # JSON string syntax is valid TOML basic string


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ----- Guidepost ------------------------------------------------------------

GP_TEMPLATES = {
    "base.html": """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{% block title %}{{ config.title }}{% endblock title %}</title></head>
<body>
<header><a href="/">{{ config.title }}</a></header>
<main>{% block content %}{% endblock content %}</main>
</body>
</html>
""",
    "index.html": """{% extends "base.html" %}
{% block content %}<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>{% for s in section.subsections %}<li><a href="{{ s.permalink }}">{{ s.title }}</a></li>{% endfor %}</ul>
{% endblock content %}
""",
    "section.html": """{% extends "base.html" %}
{% block title %}{{ section.title }}{% endblock title %}
{% block content %}<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>{% for p in section.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a></li>{% endfor %}</ul>
{% endblock content %}
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ page.title }}{% endblock title %}
{% block content %}<article><h1>{{ page.title }}</h1>
{{ page.content | safe }}
</article>
{% endblock content %}
""",
    "taxonomy_list.html": """{% extends "base.html" %}
{% block content %}<h1>Tags</h1>
<ul>{% for t in terms %}<li><a href="{{ t.permalink }}">{{ t.name }}</a></li>{% endfor %}</ul>
{% endblock content %}
""",
    "taxonomy_single.html": """{% extends "base.html" %}
{% block title %}{{ term.name }}{% endblock title %}
{% block content %}<h1>{{ term.name }}</h1>
<ul>{% for p in term.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a></li>{% endfor %}</ul>
{% endblock content %}
""",
    "404.html": """{% extends "base.html" %}
{% block content %}<h1>Not found</h1>{% endblock content %}
""",
}


def _gp_front(p: Page, quote_dates: bool) -> str:
    date = _toml_str(p.date) if quote_dates else p.date
    tags = ", ".join(_toml_str(t) for t in p.tags)
    return (f"+++\ntitle = {_toml_str(p.title)}\ndate = {date}\n"
            f"description = {_toml_str(p.description)}\n\n"
            f"[taxonomies]\ntags = [{tags}]\n+++\n\n")


def write_guidepost_site(model: SiteModel, root: Path, quote_dates: bool) -> None:
    # No code highlighting: Zola and the floor do none either.
    _write(root / "guidepost.toml",
           'title = "Bench"\nbase_url = "https://example.org"\n'
           'taxonomies = [{ name = "tags", feed = false }]\n\n'
           '[markdown]\nhighlight_code = false\n')
    for name, text in GP_TEMPLATES.items():
        _write(root / "templates" / name, text)
    c = root / "content"
    _write(c / "_index.md", f'+++\ntitle = "Bench"\n+++\n\n{model.home_intro}\n')
    for s in model.sections:
        _write(c / s.name / "_index.md",
               f"+++\ntitle = {_toml_str(s.title)}\ndescription = {_toml_str(s.description)}\n"
               f'sort_by = "date"\n+++\n\n{s.intro}\n')
    for p in model.pages:
        link = f"@/sec-{p.sibling[0]:02d}/page-{p.sibling[1]:05d}.md"
        _write(c / p.sec_name / f"{p.slug}.md",
               _gp_front(p, quote_dates) + p.body.replace(LINK_PLACEHOLDER, link))


# ----- Zola (0.19+) ---------------------------------------------------------

ZOLA_TEMPLATES = dict(GP_TEMPLATES)
ZOLA_TEMPLATES["index.html"] = """{% extends "base.html" %}
{% block content %}<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>{% for sp in section.subsections %}{% set s = get_section(path=sp, metadata_only=true) %}<li><a href="{{ s.permalink }}">{{ s.title }}</a></li>{% endfor %}</ul>
{% endblock content %}
"""


def write_zola_site(model: SiteModel, root: Path) -> None:
    _write(root / "config.toml",
           'title = "Bench"\nbase_url = "https://example.org"\n'
           'compile_sass = false\nbuild_search_index = false\ngenerate_feeds = false\n'
           'taxonomies = [{ name = "tags", feed = false }]\n')
    for name, text in ZOLA_TEMPLATES.items():
        _write(root / "templates" / name, text)
    # Older Zola versions look up templates/<taxonomy>/{list,single}.html.
    _write(root / "templates" / "tags" / "list.html", ZOLA_TEMPLATES["taxonomy_list.html"])
    _write(root / "templates" / "tags" / "single.html", ZOLA_TEMPLATES["taxonomy_single.html"])
    c = root / "content"
    _write(c / "_index.md", f'+++\ntitle = "Bench"\n+++\n\n{model.home_intro}\n')
    for s in model.sections:
        _write(c / s.name / "_index.md",
               f"+++\ntitle = {_toml_str(s.title)}\ndescription = {_toml_str(s.description)}\n"
               f'sort_by = "date"\n+++\n\n{s.intro}\n')
    for p in model.pages:
        link = f"@/sec-{p.sibling[0]:02d}/page-{p.sibling[1]:05d}.md"
        _write(c / p.sec_name / f"{p.slug}.md",
               _gp_front(p, False) + p.body.replace(LINK_PLACEHOLDER, link))


# ----- Hugo -----------------------------------------------------------------

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>
<header><a href="/">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "index.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>{{ range .Sections }}<li><a href="{{ .Permalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>{{ range .Pages.ByDate.Reverse }}<li><a href="{{ .Permalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
{{ .Content }}
</article>
{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>Tags</h1>
<ul>{{ range .Pages }}<li><a href="{{ .Permalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
    "_default/taxonomy.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .Permalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
    "404.html": """{{ define "main" }}<h1>Not found</h1>{{ end }}
""",
}


def write_hugo_site(model: SiteModel, root: Path) -> None:
    # RSS off (guidepost's taxonomy has feed = false) and code highlighting off
    # (guidepost has no highlighter), so the comparison is like for like.
    _write(root / "config.toml",
           'baseURL = "https://example.org/"\ntitle = "Bench"\n'
           'disableKinds = ["RSS"]\n\n'
           '[taxonomies]\ntag = "tags"\n\n'
           '[markup.highlight]\ncodeFences = false\n')
    for name, text in HUGO_LAYOUTS.items():
        _write(root / "layouts" / name, text)
    c = root / "content"
    _write(c / "_index.md", f'+++\ntitle = "Bench"\n+++\n\n{model.home_intro}\n')
    for s in model.sections:
        _write(c / s.name / "_index.md",
               f"+++\ntitle = {_toml_str(s.title)}\ndescription = {_toml_str(s.description)}\n"
               f"+++\n\n{s.intro}\n")
    for p in model.pages:
        link = f"/sec-{p.sibling[0]:02d}/page-{p.sibling[1]:05d}/"
        tags = ", ".join(_toml_str(t) for t in p.tags)
        front = (f"+++\ntitle = {_toml_str(p.title)}\ndate = {p.date}\n"
                 f"description = {_toml_str(p.description)}\ntags = [{tags}]\n+++\n\n")
        _write(c / p.sec_name / f"{p.slug}.md", front + p.body.replace(LINK_PLACEHOLDER, link))


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------

@dataclass
class RunResult:
    wall: float
    cpu: float
    user: float
    sys: float
    maxrss_kib: int
    rc: int
    other_load: float | None = None


@dataclass
class Series:
    label: str
    pages: int
    runs: list = field(default_factory=list)
    error: str | None = None
    html_files: int | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.runs)

    def med_wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    def med_cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    def max_rss_mib(self) -> float:
        return max(r.maxrss_kib for r in self.runs) / 1024.0

    def other_load_str(self) -> str:
        vals = [r.other_load for r in self.runs if r.other_load is not None]
        return f"{max(vals):.0%}" if vals else "-"

    def as_dict(self) -> dict:
        d = {"label": self.label, "pages": self.pages, "error": self.error,
             "html_files": self.html_files, "note": self.note,
             "runs": [r.__dict__ for r in self.runs]}
        if self.ok:
            d.update(median_wall_s=self.med_wall(), min_wall_s=min(r.wall for r in self.runs),
                     max_wall_s=max(r.wall for r in self.runs), median_cpu_s=self.med_cpu(),
                     peak_rss_mib=self.max_rss_mib(), pages_per_s=self.pages / self.med_wall())
        return d


_FAILURES: list = []  # labels of failed builds / serve sessions (logs are kept then)

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_times() -> tuple[float, float] | None:
    """(busy seconds, idle seconds) summed over all CPUs, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)  # idle + iowait
    busy = sum(vals[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / _CLK_TCK, idle / _CLK_TCK


def wait_idle(max_wait: float, threshold: float = 0.15, sample: float = 2.0) -> None:
    """Wait (up to max_wait s) until other processes use < threshold of the CPUs."""
    if max_wait <= 0:
        return
    end = time.monotonic() + max_wait
    announced = False
    while True:
        a = cpu_times()
        time.sleep(sample)
        b = cpu_times()
        if a is None or b is None:
            return
        busy, idle = b[0] - a[0], b[1] - a[1]
        frac = busy / (busy + idle) if busy + idle > 0 else 0.0
        if frac < threshold:
            if announced:
                print(f"  (machine idle again: {frac:.0%} busy)", flush=True)
            return
        if time.monotonic() >= end:
            print(f"  ! machine still {frac:.0%} busy after waiting {max_wait:.0f} s; measuring anyway",
                  flush=True)
            return
        if not announced:
            print(f"  (waiting for the machine to be idle: {frac:.0%} busy)", flush=True)
            announced = True
        time.sleep(3)


# Why a spawner: on Linux a child's ru_maxrss is at least the RSS of the process
# it was forked from (the pre-exec address space counts), so a build started
# straight from this Python process (tens of MiB, more with a 10k-page model in
# memory) could never report less than that. A fresh `python3 -I -S` (~5 MiB)
# forks and execs the build instead, waits for it with os.wait4 and sends back
# the build's own rusage, its wall time and /proc/stat before/after.
_SPAWNER = r"""
import os, sys, time
fd = int(sys.argv[1]); cmd = sys.argv[2:]
os.set_inheritable(fd, False)
def stat():
    try:
        with open('/proc/stat') as f:
            return f.readline().strip()
    except OSError:
        return ''
s0 = stat()
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    except OSError as e:
        os.write(2, ('bench spawner: cannot run %r: %s\n' % (cmd[0], e)).encode())
    os._exit(127)
_, st, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
s1 = stat()
rc = os.waitstatus_to_exitcode(st)
os.write(fd, repr((wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, rc, s0, s1)).encode())
os.close(fd)
sys.exit(0)
"""


def _parse_stat_line(line: str) -> tuple[float, float] | None:
    try:
        vals = [int(v) for v in line.split()[1:]]
    except ValueError:
        return None
    if len(vals) < 4:
        return None
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / _CLK_TCK, idle / _CLK_TCK


def run_measured(cmd: list, log_path: Path, timeout: float, cwd: Path | None = None) -> RunResult:
    """Run cmd via the spawner; return wall/CPU/peak-RSS of cmd's own process."""
    import ast
    rfd, wfd = os.pipe()
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _SPAWNER, str(wfd)]
                                    + [str(c) for c in cmd],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    pass_fds=(wfd,), start_new_session=True, cwd=cwd)
        os.close(wfd)
        wfd = -1
        timer = threading.Timer(timeout, lambda: _kill_group(proc.pid))
        timer.start()
        try:
            chunks = []
            while True:
                b = os.read(rfd, 65536)
                if not b:
                    break
                chunks.append(b)
            proc.wait()
        finally:
            timer.cancel()
    finally:
        os.close(rfd)
        if wfd >= 0:
            os.close(wfd)
    data = b"".join(chunks)
    if not data:
        # spawner killed (timeout) or crashed
        return RunResult(wall=float(timeout), cpu=0.0, user=0.0, sys=0.0, maxrss_kib=0,
                         rc=proc.returncode if proc.returncode else -9, other_load=None)
    wall, user, sys_, maxrss, rc, s0, s1 = ast.literal_eval(data.decode())
    cpu = user + sys_
    other = None
    a, b = _parse_stat_line(s0), _parse_stat_line(s1)
    if a and b and wall >= 0.3:  # /proc/stat ticks are 10 ms: meaningless for shorter runs
        # CPU used by everything else on the machine while the build ran, as a
        # fraction of all CPUs: a noise indicator (0 on a quiet machine).
        other = max(0.0, (b[0] - a[0]) - cpu) / (wall * (os.cpu_count() or 1))
    return RunResult(wall=wall, cpu=cpu, user=user, sys=sys_, maxrss_kib=maxrss, rc=rc,
                     other_load=other)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path, n: int = 25) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + ln for ln in lines[-n:])


def count_html(out: Path) -> int:
    n = 0
    for _, _, files in os.walk(out):
        n += sum(1 for f in files if f.endswith(".html"))
    return n


@dataclass
class ToolSpec:
    label: str
    make_cmd: object  # callable: out dir -> argv
    out: Path


def bench_tools(specs: list, pages: int, logdir: Path, runs: int, warmup: int,
                timeout: float, idle_wait: float = 0.0) -> list:
    """Build with every tool in turn, round after round (A B A B ...), so that a
    slow spell of the machine hits all tools alike instead of one of them.
    Each tool's output dir is deleted before each of its runs (outside the timing)."""
    series = [Series(sp.label, pages) for sp in specs]
    total = warmup + runs
    for k in range(total):
        wait_idle(idle_wait)
        for sp, ser in zip(specs, series):
            if ser.error:
                continue
            if sp.out.exists():
                shutil.rmtree(sp.out)
            log = logdir / f"{sp.label.replace(' ', '_').replace('/', '_')}-{pages}-{k}.log"
            cmd = sp.make_cmd(sp.out)
            tag = "warmup" if k < warmup else f"run {k - warmup + 1}/{runs}"
            print(f"  {sp.label:<22} {tag:<10}", end="", flush=True)
            try:
                r = run_measured(cmd, log, timeout)
            except OSError as e:
                _FAILURES.append(sp.label)
                ser.error = f"could not start {cmd[0]}: {e}"
                print(" failed to start")
                continue
            print(f" {r.wall:8.3f} s wall  {r.cpu:8.3f} s cpu  {r.maxrss_kib / 1024:8.1f} MiB"
                  + (f"  other load {r.other_load:4.0%}" if r.other_load is not None else "")
                  + ("" if r.rc == 0 else f"  exit {r.rc}"), flush=True)
            if r.rc != 0:
                _FAILURES.append(sp.label)
                ser.error = (f"timed out after {timeout:.0f} s" if r.rc == -9 and r.wall >= timeout
                             else f"exit status {r.rc}") + f" (log: {log.name})"
                print(f"  ! {sp.label} failed: {' '.join(shlex.quote(str(c)) for c in cmd)}")
                print(_tail(log))
                if sp.label == "guidepost":
                    print("  hint: if the error is about the TOML `date` value, "
                          "retry with --quote-dates")
                continue
            if k >= warmup:
                ser.runs.append(r)
    for sp, ser in zip(specs, series):
        if not ser.error:
            ser.html_files = count_html(sp.out) if sp.out.exists() else 0
    return series


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

# ----- Search (issue 12) -----------------------------------------------------

SEARCH_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>search bench</title>
<script src="js/search.js" defer></script></head><body>
<form class="search" action="search/" method="get" data-search><input name="q" type="search">
<div class="search__panel" hidden><p class="search__status"></p><ol class="search__results"></ol></div></form>
</body></html>
"""

# Types the query into the box twice (cold, then with the shards cached) and
# reports the search files the browser fetched and the time from the input
# event to the first result in the list.
SEARCH_JS = """
const [q, done] = arguments;
const input = document.querySelector('input[name=q]');
const list = document.querySelector('.search__results');
let shown = 0;
function once() {
  return new Promise(resolve => {
    list.textContent = '';
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
      if (list.querySelector('a')) { obs.disconnect(); shown = list.querySelectorAll('a').length; resolve(performance.now() - t0); }
    });
    obs.observe(list, { childList: true, subtree: true });
    input.value = q;
    input.dispatchEvent(new Event('input'));
  });
}
once().then(cold => {
  const files = performance.getEntriesByType('resource').filter(e => e.name.includes('/search/'));
  const bytes = files.reduce((a, e) => a + (e.decodedBodySize || 0), 0);
  input.value = '';
  input.dispatchEvent(new Event('input'));
  const warm = [];
  const next = () => warm.length < 5 ? once().then(t => { warm.push(t); input.value = ''; input.dispatchEvent(new Event('input')); return next(); }) : null;
  return next().then(() => done({ cold_ms: cold, warm_ms: warm, files: files.length, bytes: bytes,
    results: shown }));
}).catch(e => done({ error: String(e) }));
"""


def _webdriver(url: str, method: str, path: str, body=None, timeout: float = 60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}").get("value")


def search_query_in_chromium(out: Path, query: str) -> dict:
    """Serves `out` over HTTP and runs `query` through search.js in headless Chromium."""
    driver = shutil.which("chromedriver")
    if not driver:
        return {"error": "chromedriver not on PATH"}
    (out / "search-bench.html").write_text(SEARCH_PAGE, encoding="utf-8")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a, **k):
            pass

    handler = functools.partial(Quiet, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = free_port()
    proc = subprocess.Popen([driver, f"--port={port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                _webdriver(url, "GET", "/status", timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    return {"error": "chromedriver did not start"}
                time.sleep(0.1)
        opts = {"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage"]}
        if shutil.which("chromium"):
            opts["binary"] = shutil.which("chromium")
        sess = _webdriver(url, "POST", "/session",
                          {"capabilities": {"alwaysMatch": {"goog:chromeOptions": opts}}})
        sid = sess["sessionId"]
        try:
            _webdriver(url, "POST", f"/session/{sid}/timeouts", {"script": 60000})
            _webdriver(url, "POST", f"/session/{sid}/url",
                       {"url": f"http://127.0.0.1:{httpd.server_address[1]}/search-bench.html"})
            return _webdriver(url, "POST", f"/session/{sid}/execute/async",
                              {"script": SEARCH_JS, "args": [query]}, timeout=90)
        finally:
            _webdriver(url, "DELETE", f"/session/{sid}")
    finally:
        proc.terminate()
        proc.wait()
        httpd.shutdown()


def bench_search(out: Path, series: list, query: str) -> dict:
    """Index size, the index's share of the build time, and one query's load."""
    res: dict = {}
    files = [p for p in (out / "search").glob("*.js")] if (out / "search").is_dir() else []
    res["index_files"] = len(files)
    res["index_bytes"] = sum(p.stat().st_size for p in files)
    res["index_gzip_bytes"] = sum(len(gzip.compress(p.read_bytes())) for p in files)
    by_label = {s.label: s for s in series}
    with_s, without = by_label.get("guidepost"), by_label.get("guidepost (no search)")
    if with_s and without and with_s.ok and without.ok:
        res["build_s"] = with_s.med_wall()
        res["build_without_search_s"] = without.med_wall()
        res["index_build_share"] = with_s.med_wall() / without.med_wall() - 1
    try:
        res["query"] = search_query_in_chromium(out, query)
    except Exception as e:  # noqa: BLE001 - report, keep the other numbers
        res["query"] = {"error": f"{type(e).__name__}: {e}"}
    q = res["query"] or {}
    print(f"  search: index {res['index_files']} files, {res['index_bytes'] / 1024:.0f} kB "
          f"({res['index_gzip_bytes'] / 1024:.0f} kB gzip)"
          + (f", build +{res['index_build_share']:.1%} ({res['build_without_search_s']:.3f} s -> "
             f"{res['build_s']:.3f} s)" if "index_build_share" in res else ""))
    if "error" in q:
        print(f"  search query: {q['error']}")
    else:
        warm = sorted(q["warm_ms"])
        print(f"  search query {query!r}: {q['files']} files, {q['bytes'] / 1024:.1f} kB loaded, "
              f"first result {q['cold_ms']:.0f} ms cold, {warm[len(warm) // 2]:.1f} ms cached "
              f"(median of {len(warm)}), {q['results']} results shown")
    return res


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 100 else f"{x:.1f}"


def print_table(title: str, series: list, baseline: Series | None) -> None:
    print()
    print(title)
    hdr = ["tool", "pages", "runs", "wall med s", "wall min-max s", "cpu med s",
           "peak RSS MiB", "pages/s", "html files", "other load"]
    show_ratio = baseline is not None and baseline.ok and len(series) > 1
    if show_ratio:
        hdr += ["wall x", "cpu x", "RSS x"]
    rows = []
    for s in series:
        if not s.ok:
            rows.append([s.label, str(s.pages), "-", "FAILED: " + (s.error or "no runs")])
            continue
        walls = [r.wall for r in s.runs]
        row = [s.label, str(s.pages), str(len(s.runs)), fmt_s(s.med_wall()),
               f"{fmt_s(min(walls))}-{fmt_s(max(walls))}", fmt_s(s.med_cpu()),
               f"{s.max_rss_mib():.1f}", f"{s.pages / s.med_wall():,.0f}",
               str(s.html_files if s.html_files is not None else "-"),
               s.other_load_str()]
        if show_ratio:
            if s is baseline:
                row += ["1.00", "1.00", "1.00"]
            else:
                row += [f"{s.med_wall() / baseline.med_wall():.2f}",
                        f"{s.med_cpu() / baseline.med_cpu():.2f}" if baseline.med_cpu() > 0 else "-",
                        f"{s.max_rss_mib() / baseline.max_rss_mib():.2f}"
                        if baseline.max_rss_mib() > 0 else "-"]
        rows.append(row)
    _print_grid(hdr, rows)
    if show_ratio:
        print("  (x columns: this tool / guidepost; >1 means guidepost is faster / smaller)")
    print("  (other load: max share of all CPUs used by other processes during a run;"
          " high values mean noisy numbers)")


def _print_grid(hdr: list, rows: list) -> None:
    full = [r for r in rows if len(r) == len(hdr)]
    widths = [len(h) for h in hdr]
    for r in full:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    line = "  " + "  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(hdr, widths)))
    print(line)
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        if len(r) != len(hdr):
            print("  " + r[0].ljust(widths[0]) + "  " + "  ".join(r[1:]))
            continue
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))


# --------------------------------------------------------------------------
# Machine info
# --------------------------------------------------------------------------

def _cmd_output(cmd: list, timeout: float = 20) -> str | None:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (p.stdout or p.stderr or "").strip()
    return out.splitlines()[0] if out and p.returncode == 0 else None


def machine_info(gp_bin: Path, hugo: str | None, zola: str | None) -> dict:
    info: dict = {}
    try:
        info["nproc"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["nproc"] = os.cpu_count()
    info["cpu_model"] = "unknown"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                info["cpu_model"] = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        for ln in Path("/proc/meminfo").read_text().splitlines():
            if ln.startswith("MemTotal:"):
                info["mem_gib"] = round(int(ln.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        info["loadavg"] = os.getloadavg()
    except OSError:
        info["loadavg"] = None
    info["kernel"] = platform.release()
    info["python"] = platform.python_version()
    info["guidepost"] = _cmd_output([str(gp_bin), "--version"]) or "(--version failed)"
    info["hugo"] = _cmd_output([hugo, "version"]) if hugo else None
    info["zola"] = _cmd_output([zola, "--version"]) if zola else None
    info["git"] = _cmd_output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    info["date"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return info


def pick_tmpdir(explicit: Path | None) -> str | None:
    """Prefer tmpfs (/dev/shm) so builds measure the generator, not the disk."""
    if explicit:
        explicit.mkdir(parents=True, exist_ok=True)
        return str(explicit)
    shm = Path("/dev/shm")
    try:
        st = os.statvfs(shm)
        if shm.is_dir() and os.access(shm, os.W_OK) and st.f_bavail * st.f_frsize > 4 * 2**30:
            return str(shm)
    except OSError:
        pass
    return None  # tempfile's default


def fs_type(path: Path) -> str:
    """Filesystem type of the mount holding path (from /proc/mounts)."""
    best, kind = "", "unknown"
    try:
        p = str(path.resolve())
        for ln in Path("/proc/mounts").read_text().splitlines():
            parts = ln.split()
            if len(parts) >= 3:
                mnt = parts[1].replace("\\040", " ")
                if (p == mnt or p.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                    best, kind = mnt, parts[2]
    except OSError:
        pass
    return kind


def print_header(info: dict, args) -> None:
    print("=" * 78)
    print("Guidepost benchmark")
    print("=" * 78)
    print(f"  date        {info['date']}")
    print(f"  machine     nproc={info['nproc']}  cpu={info['cpu_model']}  "
          f"mem={info.get('mem_gib', '?')} GiB  kernel={info['kernel']}")
    la = info.get("loadavg")
    if la:
        busy = la[0] > 0.5 * (info["nproc"] or 1)
        print(f"  load        {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"
              + ("   WARNING: machine is busy, numbers will be noisy" if busy else ""))
    print(f"  guidepost   {info['guidepost']}  ({args.bin})"
          + (f"  git {info['git']}" if info.get("git") else ""))
    print(f"  hugo        {info['hugo'] or 'not on PATH (skipped)'}")
    print(f"  zola        {info['zola'] or 'not on PATH (skipped)'}")
    print(f"  floor       {args.floor_bin or 'no --floor-bin given (skipped)'}")
    print(f"  python      {info['python']}")
    print(f"  settings    sizes={','.join(map(str, args.sizes))} runs={args.runs} "
          f"warmup={args.warmup} seed={SEED} sections={NUM_SECTIONS}")
    print("  method      wall = perf_counter around spawn..wait4; cpu = user+sys of the child "
          "(wait4 rusage);\n"
          "              peak RSS = ru_maxrss of the child; output dir removed before every run;\n"
          "              tools take turns run by run; medians over the measured runs "
          "(warmup not counted)")


# --------------------------------------------------------------------------
# Live reload (--serve)
# --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(host: str, port: int, path: str, timeout: float = 3.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class SSEListener:
    """Reads a text/event-stream in a thread and timestamps every `event:` line."""

    def __init__(self, host: str, port: int, path: str):
        self.host, self.port, self.path = host, port, path
        self.events: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        self.closed = False
        self.error: BaseException | None = None
        self.conn: http.client.HTTPConnection | None = None
        self.resp = None
        self.content_type = ""

    def start(self, timeout: float = 10.0) -> None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        self.conn.request("GET", self.path, headers={"Accept": "text/event-stream",
                                                     "Cache-Control": "no-cache"})
        self.resp = self.conn.getresponse()
        self.content_type = self.resp.getheader("Content-Type", "")
        if self.resp.status != 200:
            body = self.resp.read(200).decode("utf-8", "replace")
            body = " ".join(body.split())[:120]
            raise RuntimeError(f"GET {self.path} returned HTTP {self.resp.status}: {body}")
        if self.conn.sock is not None:
            self.conn.sock.settimeout(None)  # block for as long as the stream lives
        threading.Thread(target=self._run, name="sse-reader", daemon=True).start()

    def _run(self) -> None:
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                t = time.perf_counter()
                s = line.decode("utf-8", "replace").rstrip("\r\n")
                if s.startswith("event:"):
                    with self.cond:
                        self.events.append((t, s[6:].strip()))
                        self.cond.notify_all()
        except BaseException as e:  # noqa: BLE001 - reported to the main thread
            if not self.closed:
                self.error = e
        finally:
            with self.cond:
                self.closed = True
                self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.events)

    def wait_event(self, name: str, start_index: int, deadline: float,
                   not_before: float = 0.0) -> tuple[float, int] | None:
        """First event `name` at index >= start_index that arrived at or after
        not_before; returns (timestamp, index)."""
        with self.cond:
            i = start_index
            while True:
                while i < len(self.events):
                    if self.events[i][1] == name and self.events[i][0] >= not_before:
                        return self.events[i][0], i
                    i += 1
                if self.closed:
                    return None
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def wait_quiet(self, quiet: float, max_wait: float) -> None:
        """Return once no event has arrived for `quiet` seconds (or after max_wait)."""
        end = time.perf_counter() + max_wait
        with self.cond:
            while True:
                now = time.perf_counter()
                last = self.events[-1][0] if self.events else 0.0
                if now - last >= quiet or now >= end or self.closed:
                    return
                self.cond.wait(min(quiet - (now - last), end - now))

    def close(self) -> None:
        self.closed = True
        try:
            if self.conn is not None and self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            if self.conn is not None:
                self.conn.close()
        except OSError:
            pass


@dataclass
class ScenarioResult:
    name: str
    latencies_ms: list = field(default_factory=list)
    timeouts: int = 0
    reloads_per_change: list = field(default_factory=list)
    # write -> `event: files` (the search index finished after the reload),
    # for changes that changed index files
    index_ms: list = field(default_factory=list)
    verified: int = 0
    verify_attempts: int = 0

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        if self.latencies_ms:
            d["median_ms"] = statistics.median(self.latencies_ms)
            d["max_ms"] = max(self.latencies_ms)
        if self.index_ms:
            d["index_median_ms"] = statistics.median(self.index_ms)
        return d


def _stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def bench_serve(gp_bin: Path, site: Path, n: int, model: SiteModel, logdir: Path,
                reps: int, quiet: float, timeout: float, start_timeout: float,
                quote_dates: bool, idle_wait: float = 0.0, only: str = "") -> dict:
    """Live-reload latency for one site. Fails soft: returns {'error': ...}."""
    port = free_port()
    log = logdir / f"serve-{n}.log"
    cmd = [str(gp_bin), "serve", "--root", str(site), "--port", str(port)]
    print(f"  starting: {' '.join(shlex.quote(c) for c in cmd)}")
    logf = open(log, "wb")
    try:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    except OSError as e:
        logf.close()
        return {"error": f"could not start guidepost serve: {e}"}
    listener: SSEListener | None = None
    restore: list = []  # callables to undo file changes
    try:
        # 1. wait for GET / == 200
        t_start = time.perf_counter()
        host = None
        last_err = ""
        while time.perf_counter() - t_start < start_timeout:
            if proc.poll() is not None:
                return {"error": f"guidepost serve exited with status {proc.returncode} before "
                                 f"answering (log: {log})\n{_tail(log)}"}
            for h in ("127.0.0.1", "::1"):
                try:
                    st, _ = http_get(h, port, "/", timeout=2)
                    if st == 200:
                        host = h
                        break
                    last_err = f"HTTP {st}"
                except (OSError, http.client.HTTPException) as e:
                    last_err = f"{type(e).__name__}: {e}"
            if host:
                break
            time.sleep(0.1)
        if not host:
            return {"error": f"guidepost serve did not answer GET / with 200 within "
                             f"{start_timeout:.0f} s on port {port} (last: {last_err}; "
                             f"log: {log})\n{_tail(log)}"}
        ready_s = time.perf_counter() - t_start
        print(f"  server ready on {host}:{port} after {ready_s:.2f} s (includes initial build)")

        # 2. open the event stream
        listener = SSEListener(host, port, "/__guidepost/events")
        try:
            listener.start()
        except (OSError, http.client.HTTPException, RuntimeError) as e:
            return {"error": f"could not open /__guidepost/events: {e}", "ready_s": ready_s}
        if "text/event-stream" not in listener.content_type:
            print(f"  ! warning: /__guidepost/events Content-Type is {listener.content_type!r}, "
                  "expected text/event-stream")
        listener.wait_quiet(quiet, 10)

        content = site / "content"
        # Target for the "edit page" scenario: a page in the middle of the site.
        edit_page = model.pages[len(model.pages) // 2]
        edit_path = content / edit_page.sec_name / f"{edit_page.slug}.md"
        edit_orig = edit_path.read_text(encoding="utf-8")
        restore.append(lambda: edit_path.write_text(edit_orig, encoding="utf-8"))
        tpl_path = site / "templates" / "page.html"
        tpl_orig = tpl_path.read_text(encoding="utf-8")
        restore.append(lambda: tpl_path.write_text(tpl_orig, encoding="utf-8"))
        created: list[Path] = []
        restore.append(lambda: [p.unlink() for p in created if p.exists()])
        new_sec = model.sections[7 % len(model.sections)]
        # Fixtures for the other change kinds live in their own section and
        # template (added after the server started, unmeasured; removed at the end).
        bench_dir = content / "bench"
        one_tpl = site / "templates" / "bench-one.html"
        restore.append(lambda: shutil.rmtree(bench_dir, ignore_errors=True))
        restore.append(lambda: one_tpl.unlink() if one_tpl.exists() else None)
        restore.append(lambda: [shutil.rmtree(content / f"bench-sec-{k}", ignore_errors=True)
                                for k in range(reps)])
        one_tpl_text = ('{% extends "base.html" %}\n{% block content %}<h1 class="one">{{ page.title }}</h1>\n'
                        '{{ page.content | safe }}\n{% endblock content %}\n')
        _write(one_tpl, one_tpl_text)
        _write(bench_dir / "_index.md", '+++\ntitle = "Bench fixtures"\n+++\n')
        _write(bench_dir / "one.md", '+++\ntitle = "One template"\ntemplate = "bench-one.html"\n+++\n\nOne.\n')
        _write(bench_dir / "rename-0.md", '+++\ntitle = "Renamed page"\n+++\n\nRename me.\n')

        def item(k: str, focus: str) -> str:
            return (f'+++\ntitle = "Item {k}"\n\n[attributes]\nfocus = "{focus}"\n+++\n\nItem {k}.\n')
        _write(bench_dir / "item-a.md", item("a", "first"))
        _write(bench_dir / "item-b.md", item("b", "second"))
        _write(bench_dir / "cmp.md",
               '+++\ntitle = "Bench comparison"\n\n[comparison]\n'
               'items = ["@/bench/item-a.md", "@/bench/item-b.md"]\n'
               'rows = [{ key = "focus", label = "Focus" }]\n+++\n\nCompared.\n')

        def tree(q: str) -> str:
            return ('+++\ntitle = "Bench decision"\n\n[decision]\nstart = "q1"\n\n'
                    f'[[decision.questions]]\nid = "q1"\ntext = "{q}"\n'
                    'answers = [{ label = "Yes", next = "yes" }, { label = "No", next = "no" }]\n\n'
                    '[[decision.outcomes]]\nid = "yes"\ntitle = "Yes then"\nbody = "Go."\n\n'
                    '[[decision.outcomes]]\nid = "no"\ntitle = "No then"\nbody = "Stay."\n+++\n\nDecide.\n')
        # The site's own layout lacks the default theme's blocks: simple tree templates.
        for name, body in [("decision.html", "{{ page.title }}"),
                           ("decision_question.html", "{{ page.title }} (question)"),
                           ("decision_outcome.html", "{{ page.title }} (result)"),
                           ("embed_index.html", "Embeddable pages")]:
            tpl = site / "templates" / name
            _write(tpl, '{% extends "base.html" %}\n{% block content %}<h1>' + body
                   + '</h1>{% endblock content %}\n')
            restore.append(lambda tpl=tpl: tpl.unlink() if tpl.exists() else None)
        _write(bench_dir / "decide.md", tree("Is it big?"))
        listener.wait_quiet(quiet, timeout)
        front_orig = edit_orig.split("+++", 2)

        def new_page_text(k: int) -> str:
            date = '"2024-06-01"' if quote_dates else "2024-06-01"
            return (f'+++\ntitle = "Bench New Page {k}"\n'
                    f'date = {date}\n'
                    f'description = "A page created by the live reload benchmark."\n\n'
                    f'[taxonomies]\ntags = ["rust", "builds"]\n+++\n\n'
                    f"## New page {k}\n\nFresh text for reload check number {k}.\n")

        def sc_edit(k: int):
            marker = f"bench-edit-marker-{k}-{random.Random(k).randint(0, 10**9)}"
            text = edit_orig.replace("\n\n## ", f"\n\n{marker} is new text.\n\n## ", 1)
            t0 = time.perf_counter()
            edit_path.write_text(text, encoding="utf-8")
            return t0, (f"/{edit_page.sec_name}/{edit_page.slug}/", marker)

        def sc_create(k: int):
            p = content / new_sec.name / f"bench-new-{k}.md"
            created.append(p)
            t0 = time.perf_counter()
            p.write_text(new_page_text(k), encoding="utf-8")
            return t0, (f"/{new_sec.name}/bench-new-{k}/", f"Fresh text for reload check number {k}")

        def sc_delete(k: int):
            # Delete one of the pages created above (nothing links to them, so the
            # site stays valid); create it first, unmeasured, if it is missing.
            p = content / new_sec.name / f"bench-new-{k}.md"
            if not p.exists():
                p.write_text(new_page_text(k), encoding="utf-8")
                listener.wait_quiet(quiet, timeout)
            t0 = time.perf_counter()
            p.unlink()
            return t0, None

        def sc_template(k: int):
            marker = f"bench-template-marker-{k}"
            text = tpl_orig.replace("<article>", f'<article data-rev="{marker}">', 1)
            if text == tpl_orig:
                text = tpl_orig + f"\n{{# {marker} #}}\n"
            t0 = time.perf_counter()
            tpl_path.write_text(text, encoding="utf-8")
            return t0, (f"/{edit_page.sec_name}/{edit_page.slug}/", marker)

        def sc_front(field: str):
            def fn(k: int):
                fm = front_orig[1]
                if field == "title":
                    fm = fm.replace('title = "', f'title = "T{k} ', 1)
                elif field == "date":
                    fm = fm.replace("date = ", f"updated = 2025-01-{k + 1:02d}\ndate = ", 1)
                elif field == "weight":
                    fm = fm.replace("description = ", f"weight = {k + 1}\ndescription = ", 1)
                else:
                    fm = fm.replace("tags = [", f'tags = ["bench-tag-{k}", ', 1)
                t0 = time.perf_counter()
                edit_path.write_text("+++".join([front_orig[0], fm, front_orig[2]]), encoding="utf-8")
                return t0, None
            return fn

        def sc_rename(k: int):
            src = bench_dir / f"rename-{k}.md"
            dst = bench_dir / f"rename-{k + 1}.md"
            t0 = time.perf_counter()
            os.rename(src, dst)
            return t0, (f"/bench/rename-{k + 1}/", "Rename me.")

        def sc_section_create(k: int):
            d = content / f"bench-sec-{k}"
            d.mkdir(exist_ok=True)
            t0 = time.perf_counter()
            (d / "_index.md").write_text(f'+++\ntitle = "Bench section {k}"\n+++\n\nSection {k}.\n',
                                         encoding="utf-8")
            return t0, (f"/bench-sec-{k}/", f"Section {k}.")

        def sc_section_delete(k: int):
            d = content / f"bench-sec-{k}"
            t0 = time.perf_counter()
            shutil.rmtree(d, ignore_errors=True)
            return t0, None

        def sc_one_template(k: int):
            marker = f"bench-one-marker-{k}"
            t0 = time.perf_counter()
            one_tpl.write_text(one_tpl_text.replace('class="one"', f'class="one" data-rev="{marker}"'),
                               encoding="utf-8")
            return t0, ("/bench/one/", marker)

        def sc_tree(k: int):
            q = f"Is it big, take {k}?"
            t0 = time.perf_counter()
            (bench_dir / "decide.md").write_text(tree(q), encoding="utf-8")
            return t0, None

        def sc_attribute(k: int):
            marker = f"focus-{k}"
            t0 = time.perf_counter()
            (bench_dir / "item-a.md").write_text(item("a", marker), encoding="utf-8")
            # The bench's page.html does not show `page.comparison`: no content check.
            return t0, None

        scenarios = [("edit page body", sc_edit), ("edit title", sc_front("title")),
                     ("edit date", sc_front("date")), ("edit weight", sc_front("weight")),
                     ("edit taxonomy terms", sc_front("tags")),
                     ("create page", sc_create), ("delete page", sc_delete),
                     ("rename page", sc_rename), ("create section", sc_section_create),
                     ("delete section", sc_section_delete),
                     ("edit one-page template", sc_one_template),
                     ("edit decision tree", sc_tree), ("edit comparison attribute", sc_attribute),
                     ("edit templates/page.html", sc_template)]
        if only:
            wanted = [w.strip() for w in only.split(",") if w.strip()]
            scenarios = [(n_, f) for n_, f in scenarios if any(w in n_ for w in wanted)]
        results = []
        for name, fn in scenarios:
            sr = ScenarioResult(name)
            for k in range(reps):
                wait_idle(idle_wait)
                listener.wait_quiet(quiet, timeout)
                idx = listener.mark()
                t0, check = fn(k)
                got = listener.wait_event("reload", idx, t0 + timeout, not_before=t0)
                if got is None:
                    sr.timeouts += 1
                    why = "stream closed" if listener.closed else f"no reload within {timeout:.0f} s"
                    print(f"    {name:<26} #{k + 1}: {why}")
                    if listener.closed:
                        break
                    continue
                t_ev, ev_idx = got
                sr.latencies_ms.append((t_ev - t0) * 1000.0)
                listener.wait_quiet(quiet, timeout)
                with listener.cond:
                    extra = sum(1 for _, e in listener.events[ev_idx:] if e == "reload")
                    files_at = next((t for t, e in listener.events[ev_idx:] if e == "files"), None)
                sr.reloads_per_change.append(extra)
                if files_at is not None:
                    sr.index_ms.append((files_at - t0) * 1000.0)
                if check is not None:
                    sr.verify_attempts += 1
                    try:
                        st, body = http_get(host, port, check[0], timeout=5)
                        if st == 200 and check[1].encode() in body:
                            sr.verified += 1
                    except (OSError, http.client.HTTPException):
                        pass
            lat = sr.latencies_ms
            print(f"    {name:<26} " + (f"median {statistics.median(lat):7.1f} ms  max {max(lat):7.1f} ms"
                                          if lat else "no measurements")
                  + (f"  index {statistics.median(sr.index_ms):7.1f} ms" if sr.index_ms else "")
                  + (f"  ({sr.timeouts} timeouts)" if sr.timeouts else ""))
            results.append(sr)
            if listener.closed:
                print(f"  ! event stream closed ({listener.error or 'EOF'}); stopping scenarios")
                break
        other = sorted({e for _, e in listener.events if e not in ("reload", "files")})
        return {"ready_s": ready_s, "host": host, "port": port,
                "scenarios": [r.as_dict() for r in results], "other_events": other,
                "_results": results}
    finally:
        if listener is not None:
            listener.close()
        _stop_server(proc)
        logf.close()
        for fn in reversed(restore):
            try:
                fn()
            except OSError:
                pass


def print_serve_table(n: int, res: dict, reps: int) -> None:
    print()
    print(f"Live reload, {n} pages (write -> `event: reload`, {reps} repetitions each)")
    if "error" in res:
        print("  SKIPPED: " + res["error"])
        return
    hdr = ["scenario", "n", "median ms", "max ms", "index ms", "timeouts", "reloads/change",
           "content ok"]
    rows = []
    for r in res["_results"]:
        lat = r.latencies_ms
        rows.append([r.name, str(len(lat)),
                     f"{statistics.median(lat):.1f}" if lat else "-",
                     f"{max(lat):.1f}" if lat else "-",
                     f"{statistics.median(r.index_ms):.1f}" if r.index_ms else "-",
                     str(r.timeouts),
                     ",".join(map(str, r.reloads_per_change)) or "-",
                     f"{r.verified}/{r.verify_attempts}" if r.verify_attempts else "-"])
    _print_grid(hdr, rows)
    print(f"  server ready (initial build + bind) in {res['ready_s']:.2f} s")
    if res.get("other_events"):
        print(f"  other event types seen: {', '.join(res['other_events'])}")
    print("  reloads/change: `reload` events seen per single file write (1 is ideal);"
          " content ok: page fetched after the reload showed the change;\n"
          "  index ms: write -> `files` event (the search index, finished after the reload),"
          " median over the changes that changed it")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000",
                    help="comma-separated page counts (default 1000,10000)")
    ap.add_argument("--runs", type=int, default=5, help="measured builds per tool and size")
    ap.add_argument("--warmup", type=int, default=1,
                    help="unmeasured builds before the measured ones (default 1)")
    ap.add_argument("--bin", type=Path, default=DEFAULT_BIN, help="guidepost binary")
    ap.add_argument("--keep", type=Path, default=None,
                    help="generate sites and outputs in DIR and keep them")
    ap.add_argument("--tmpdir", type=Path, default=None,
                    help="parent of the temporary work dir (default /dev/shm when it is a "
                         "large enough tmpfs, else the system temp dir)")
    ap.add_argument("--serve", action="store_true", help="also measure live-reload latency")
    ap.add_argument("--serve-only", default="", metavar="NAMES",
                    help="comma-separated parts of scenario names to run (default: all)")
    ap.add_argument("--serve-reps", type=int, default=5, help="repetitions per reload scenario")
    ap.add_argument("--serve-quiet", type=float, default=1.0,
                    help="seconds without events before each change (default 1.0)")
    ap.add_argument("--serve-timeout", type=float, default=60.0,
                    help="max seconds to wait for one reload (default 60)")
    ap.add_argument("--floor-bin", type=Path, default=None,
                    help="floor program: reads, renders with pulldown-cmark and writes each page")
    ap.add_argument("--floor-args", default="{content} {out}",
                    help="argument template for --floor-bin (default '{content} {out}')")
    ap.add_argument("--search", action="store_true",
                    help="also build with [search] enabled = false (index build cost), report the "
                         "index size and measure a query in headless Chromium (chromedriver)")
    ap.add_argument("--search-query", default="board", help="the one-word query --search measures")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--no-zola", action="store_true")
    ap.add_argument("--no-repo", action="store_true", help="skip the bundled-site build")
    ap.add_argument("--repo", type=Path, default=REPO,
                    help="bundled site root (default: the repo root)")
    ap.add_argument("--quote-dates", action="store_true",
                    help='write date = "2024-01-15" (string) instead of a TOML date')
    ap.add_argument("--timeout", type=float, default=1800.0, help="max seconds per build")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                    help="before each round of builds and each reload trial, wait up to "
                         "SECONDS for the machine to be idle (other processes < 15%% CPU); "
                         "default 0 = don't wait")
    ap.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    args = ap.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error("--sizes must be comma-separated integers")
    if not args.sizes or any(s < 1 for s in args.sizes):
        ap.error("--sizes must be positive")
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    gp_bin = args.bin.resolve()
    if not gp_bin.is_file() or not os.access(gp_bin, os.X_OK):
        print(f"error: guidepost binary not found or not executable: {gp_bin}\n"
              "       build it with `cargo build --release` or pass --bin PATH", file=sys.stderr)
        return 2
    hugo = None if args.no_hugo else shutil.which("hugo")
    zola = None if args.no_zola else shutil.which("zola")
    if args.floor_bin is None:
        # The repo's own floor program (examples/floor.rs), when it has been built.
        default_floor = REPO / "target" / "release" / "examples" / "floor"
        if default_floor.is_file():
            args.floor_bin = default_floor
    floor = args.floor_bin.resolve() if args.floor_bin else None
    if floor and not (floor.is_file() and os.access(floor, os.X_OK)):
        print(f"warning: --floor-bin {floor} is not an executable file; floor skipped")
        floor = None

    info = machine_info(gp_bin, hugo, zola)
    print_header(info, args)

    if args.keep:
        work = args.keep.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="guidepost-bench-", dir=pick_tmpdir(args.tmpdir)))
    logdir = work / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    fstype = fs_type(work)
    print(f"  work dir    {work} [{fstype}]"
          + ("" if args.keep else " (removed at exit; --keep DIR keeps it)"))
    if fstype != "tmpfs":
        print("              note: not tmpfs; disk writeback adds large, noisy sys time to every build")

    report: dict = {"machine": info, "work_fs": fstype, "settings": {
        "sizes": args.sizes, "runs": args.runs, "warmup": args.warmup, "seed": SEED}, "sizes": {}}
    summary: list[tuple[int, list]] = []
    try:
        for n in args.sizes:
            print()
            print(f"--- {n} pages " + "-" * 60)
            t = time.perf_counter()
            model = make_model(n)
            base = work / f"size-{n}"
            if base.exists():
                shutil.rmtree(base)
            gp_site = base / "guidepost-site"
            write_guidepost_site(model, gp_site, args.quote_dates)
            if hugo:
                write_hugo_site(model, base / "hugo-site")
            if zola:
                write_zola_site(model, base / "zola-site")
            print(f"  generated in {time.perf_counter() - t:.1f} s: {n} pages in {NUM_SECTIONS} sections, "
                  f"mean body {model.avg_body_bytes():.0f} bytes, {len(TAGS)} tags")

            specs = [ToolSpec("guidepost",
                              lambda out: [str(gp_bin), "build", "--root", str(gp_site),
                                           "--output", str(out)],
                              base / "out-guidepost")]
            if args.search:
                ns_site = base / "guidepost-site-nosearch"
                shutil.copytree(gp_site, ns_site)
                with open(ns_site / "guidepost.toml", "a", encoding="utf-8") as fh:
                    fh.write("\n[search]\nenabled = false\n")
                specs.append(ToolSpec("guidepost (no search)",
                                      lambda out: [str(gp_bin), "build", "--root", str(ns_site),
                                                   "--output", str(out)],
                                      base / "out-guidepost-nosearch"))
            if floor:
                fargs = args.floor_args
                specs.append(ToolSpec(
                    "floor",
                    lambda out: [str(floor)] + [a.format(content=gp_site / "content", out=out,
                                                         site=gp_site)
                                                for a in shlex.split(fargs)],
                    base / "out-floor"))
            if hugo:
                hs = base / "hugo-site"
                specs.append(ToolSpec(
                    "hugo", lambda out: [hugo, "--quiet", "-s", str(hs), "-d", str(out)],
                    base / "out-hugo"))
            if zola:
                zs = base / "zola-site"
                specs.append(ToolSpec(
                    "zola", lambda out: [zola, "--root", str(zs), "build", "-o", str(out), "--force"],
                    base / "out-zola"))
            series = bench_tools(specs, n, logdir, args.runs, args.warmup, args.timeout,
                                 idle_wait=args.wait_idle)
            gp = series[0]
            print_table(f"Build, {n} pages", series, gp)
            summary.append((n, series))
            entry: dict = {"builds": [s.as_dict() for s in series],
                           "mean_body_bytes": model.avg_body_bytes()}

            if args.search:
                entry["search"] = bench_search(base / "out-guidepost", series, args.search_query)
            if args.serve:
                print()
                print(f"  live reload ({n} pages)")
                try:
                    res = bench_serve(gp_bin, gp_site, n, model, logdir, args.serve_reps,
                                      args.serve_quiet, args.serve_timeout,
                                      start_timeout=max(60.0, 20 * (gp.med_wall() if gp.ok else 5)),
                                      quote_dates=args.quote_dates, idle_wait=args.wait_idle,
                                      only=args.serve_only)
                except Exception as e:  # noqa: BLE001 - fail soft, keep the build numbers
                    res = {"error": f"{type(e).__name__}: {e}"}
                if "error" in res:
                    _FAILURES.append("serve")
                print_serve_table(n, res, args.serve_reps)
                entry["serve"] = {k: v for k, v in res.items() if not k.startswith("_")}
            report["sizes"][str(n)] = entry

        if not args.no_repo:
            print()
            print("--- bundled site " + "-" * 60)
            repo = args.repo.resolve()
            if not (repo / "guidepost.toml").is_file() or not (repo / "content").is_dir():
                print(f"  SKIPPED: {repo} has no guidepost.toml and content/ yet")
                report["repo"] = {"error": "no guidepost.toml/content"}
            else:
                pages = sum(1 for p in (repo / "content").rglob("*.md") if p.name != "_index.md")
                rs = bench_tools([ToolSpec("guidepost (bundled)",
                                           lambda out: [str(gp_bin), "build", "--root", str(repo),
                                                        "--output", str(out)],
                                           work / "out-bundled")],
                                 pages, logdir, args.runs, args.warmup, args.timeout,
                                 idle_wait=args.wait_idle)[0]
                print_table(f"Bundled site {repo} (default theme, {pages} pages)", [rs], None)
                report["repo"] = rs.as_dict()

        # Compact summary across sizes
        if len(summary) > 1:
            print()
            print("Summary (median wall s)")
            labels = []
            for _, ss in summary:
                for s in ss:
                    if s.label not in labels:
                        labels.append(s.label)
            hdr = ["pages"] + labels + [f"{l}/guidepost" for l in labels if l != "guidepost"]
            rows = []
            for n, ss in summary:
                by = {s.label: s for s in ss}
                g = by.get("guidepost")
                row = [str(n)] + [fmt_s(by[l].med_wall()) if l in by and by[l].ok else "-"
                                  for l in labels]
                for l in labels:
                    if l == "guidepost":
                        continue
                    s = by.get(l)
                    row.append(f"{s.med_wall() / g.med_wall():.2f}"
                               if s and s.ok and g and g.ok else "-")
                rows.append(row)
            _print_grid(hdr, rows)
    finally:
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
            print(f"\nJSON written to {args.json}")
        if not args.keep:
            if _FAILURES:
                saved = Path(tempfile.gettempdir()) / f"guidepost-bench-logs-{int(time.time())}"
                shutil.copytree(logdir, saved, dirs_exist_ok=True)
                print(f"\nSomething failed; logs kept in {saved}")
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
