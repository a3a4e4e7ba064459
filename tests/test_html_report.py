"""The cross-study HTML report, rendered by headless Chromium as a reader would open it."""

import html.parser
import os
import pathlib
import shutil
import subprocess

import matplotlib.image
import pytest

from identity_jax.errors import WorkdirError
from identity_jax.reporting import html_report
from identity_jax.runs import experiment

REPO = pathlib.Path(__file__).resolve().parents[1]
TEST_OUTPUT = REPO / "test-output"  # screenshots to look at (not committed)


class _Refs(html.parser.HTMLParser):
  def __init__(self):
    super().__init__()
    self.images, self.links, self.ids = [], [], set()

  def handle_starttag(self, tag, attrs):
    attrs = dict(attrs)
    if tag == "img":
      self.images.append(attrs["src"])
    if tag == "a":
      self.links.append(attrs["href"])
    if "id" in attrs:
      self.ids.add(attrs["id"])


@pytest.fixture(scope="module")
def report(tmp_path_factory):
  """A tiny study's workdir (with arrays) and the committed results/, in one report."""
  from identity_jax.configs import default
  cfg = default.get_config("tiny")
  cfg.cells = {k: v for k, v in cfg.cells.items() if k in ("convnet_5", "linear_1")}
  cfg.train.num_steps = 20
  tmp = tmp_path_factory.mktemp("report")
  experiment.run(cfg, tmp / "wd", log=lambda _: None)
  index = html_report.build([tmp / "wd", REPO / "results"], tmp / "out")
  return index, cfg


def test_every_image_and_link_resolves_inside_the_report(report):
  index, cfg = report
  refs = _Refs()
  refs.feed(index.read_text())
  studies = {p.name for p in (REPO / "results").iterdir() if (p / "summary.json").is_file()}
  assert {"claims", "paired", cfg.name} | studies <= refs.ids
  for cell in cfg.cells:  # per-cell prediction grids of the workdir that has arrays
    assert f"{cfg.name}/grid_{cell}.png" in refs.images
  assert len(refs.images) > 3 * len(studies)
  for src in refs.images:
    path = (index.parent / src).resolve()
    assert path.is_relative_to(index.parent.resolve()) and path.is_file(), src
    assert matplotlib.image.imread(path).size > 0, src
  for href in refs.links:
    if href.startswith("#"):
      assert href[1:] in refs.ids, href
    else:
      assert (index.parent / href).resolve().is_file(), href


def test_chromium_renders_the_page_and_every_image_loads(report):
  index, _ = report
  browser = shutil.which("chromium") or shutil.which("chromium-browser")
  if browser is None:
    if os.environ.get("CI"):
      pytest.fail("no chromium in CI: `make test` installs Debian's chromium")
    pytest.skip("no chromium here (make test installs Debian's chromium)")
  headless = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
  dom = subprocess.run(headless + ["--virtual-time-budget=10000", "--dump-dom", index.as_uri()],
                       capture_output=True, text=True, timeout=120).stdout
  refs = _Refs()
  refs.feed(index.read_text())
  # The page's own script records, after the load event, how many images it has and which broke.
  assert f'data-images="{len(refs.images)}"' in dom and 'data-broken=""' in dom, dom[:500]
  TEST_OUTPUT.mkdir(exist_ok=True)
  shot = TEST_OUTPUT / "report.png"
  subprocess.run(headless + ["--window-size=1400,2400", f"--screenshot={shot}", index.as_uri()],
                 capture_output=True, timeout=120, check=True)
  assert matplotlib.image.imread(shot).shape[:2] == (2400, 1400)
  print(f"screenshot of the report: {shot}")


def test_bad_report_inputs_are_named(tmp_path):
  with pytest.raises(WorkdirError, match="does not exist"):
    html_report.build([tmp_path / "nope"], tmp_path / "out")
  (tmp_path / "empty").mkdir()
  with pytest.raises(WorkdirError, match="holds no study"):
    html_report.build([tmp_path / "empty"], tmp_path / "out")
