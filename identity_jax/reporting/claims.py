"""The paper's claims, in its words, which cells of which study test them, and how each verdict is
computed from results/<study>/ alone (tables.py writes them into RESULTS.md).

A claim carries the paper's statement (`paper`: where, and a quote of at most 25 words) beside our
operational reading of it (`text`), and tests every cell of its study: each cell is named by an
expectation, a trend, a same or vary group, or in `left_out` with the reason (tests/test_reporting.py
fails on a cell that is none of these). The verdict is computed, never typed, by these rules:
  fitted     A cell counts only when at least MIN_FITTED_SHARE of its seeds fitted (dead seeds count
             against it); else the claim is inconclusive there, and says why.
  expect     cell -> "identity" | "constant" | "neither": the cell's verdict (regime of most fitted
             seeds, stats.verdict); "not identity" (or another regime): any other conclusive verdict
             (a split is inconclusive); "leans constant" / "leans identity" (the paper's "tendency"):
             over fitted seeds, that pole's correlation minus the other's (|corr to constant|: the
             rule's absolute value) on the regime suite has a t interval above 0 (below 0: differs;
             holding 0 or fewer than 4 seeds: inconclusive); "unfit" (the paper's "fail to
             converge"): the share of seeds that did not fit (not fitted, dead or diverged), with its
             Wilson interval, is at least MIN_FITTED_SHARE (agrees), at most one half (differs), or
             between (inconclusive); "fits", its mirror (at least MIN_FITTED_SHARE fitted agrees,
             under half differs). A key "cell@size" reads the cell's seeds at that test input size
             (metrics.test_sizes): the regime of each fitted seed there, under the same rule.
             A claim with a `suite` reads every regime (and lean) on that suite, by the same rule.
  trends     (suite, metric, direction, cells in order): the fitted seeds' means along the usable
             cells (>= MIN_FITTED_SHARE fitted) have a Spearman correlation with their order of at
             least TREND_RHO in that direction; fewer than 3 usable cells: inconclusive. A cell of
             the trend that is not usable makes the claim inconclusive unless it differs elsewhere.
  layers     (Fig 10, 15, 22) cell -> rules read from the study's analyses.json (identity-jax-analyze:
             per cell its first fitted seeds, at most 4): each seed passes a rule or not (LAYER_RULES),
             and the cell agrees when at least MIN_FITTED_SHARE of its analysed seeds pass, differs
             under half, else inconclusive, with the Wilson interval of the share; a thin cell is
             inconclusive. A key may also name an untrained reference of analyses.json (no fitting
             involved). A trend on the pseudo-suite "weight_change" reads the cell means of a
             layer's kernel change ||W - W0|| / ||W0|| (metric: 'layer_0', the bottom layer).
  same       groups of cells that should reach the same verdict (e.g. with and without biases).
  vary       groups of cells that should not all reach one verdict: differs when every cell of the
             group is usable and they share one.
Verdicts: agrees, differs (which check), inconclusive (which cells, why), pending (the study or a
cell has not been run under the current rules), reported (the paper gives nothing to test against).
A verdict names the tested cells that are borderline (see `borderline`): their regime is a near
coin flip per seed, so a verdict resting on them is fragile.
"""

import dataclasses
import json
import pathlib

import numpy as np

from identity_jax.analyses.run import COLLAPSE_TEST
from identity_jax.measures import regime, stats
from identity_jax.study import paths, workdir
from identity_jax.study import summary as summary_lib

MIN_FITTED_SHARE = 0.9
TREND_RHO = 0.6
MIN_TREND_CELLS = 3
REGIME_EXPECTATIONS = regime.REGIMES + tuple(f"not {r}" for r in regime.REGIMES) + (
    "leans identity", "leans constant", "unfit", "fits")


@dataclasses.dataclass(frozen=True)
class Claim:
  text: str                  # our operational reading of the paper's statement
  figure: str
  study: str
  paper: str = ""            # where, then the paper's words: 'Sec 3: "..."' ('' for our own)
  expect: dict = dataclasses.field(default_factory=dict)  # cell or cell@size -> expectation
  trends: tuple = ()         # ((suite, metric, +1 increasing | -1 decreasing, (cells...)), ...)
  same: tuple = ()           # ((cells...), ...)
  vary: tuple = ()           # ((cells...), ...)
  suite: str = ""            # the suite the claim reads, regimes included ('' = the study's regime suite)
  left_out: dict = dataclasses.field(default_factory=dict)  # cell -> why the claim does not test it
  layers: dict = dataclasses.field(default_factory=dict)    # cell -> (LAYER_RULES names, ...)


# Layer rules over analyses.json. Error curves: the averaging classifier's error per layer (index 0:
# the raw pixels) on analyses' COLLAPSE_TEST digits; a smaller difference in error than two
# standard errors of an error rate at p = 0.5 (0.045 on 500 digits) is noise.
COLLAPSE_NOISE = round(2 * (0.25 / COLLAPSE_TEST) ** 0.5, 3)
CHANCE_ERROR = 0.9      # ten classes
BOTTOM_LAYERS = 5       # Fig 10's "bottom few layers": layers 1-5


def _concave(entry, i) -> bool:
  curve = entry["collapse_trained"][i]
  return len(curve) > 2 and max(curve[1:-1]) - max(curve[0], curve[-1]) > COLLAPSE_NOISE


def _bottom_improves(entry, i) -> bool:
  bottom = slice(1, BOTTOM_LAYERS + 1)
  return np.mean(entry["collapse_untrained"][i][bottom]) > np.mean(entry["collapse_trained"][i][bottom])


def _useless_beyond_6(entry, i) -> bool:
  return min(entry["collapse"][i][7:]) >= CHANCE_ERROR - COLLAPSE_NOISE


def _upper_half_leans_constant(entry, i) -> bool:
  upper = entry["upper"][f"top_{max(entry['depth'] // 2, 1)}"]
  return abs(upper["corr_constant"][i]) > upper["corr_identity"][i]


# name -> (what a seed must show, its test on (analyses.json entry, seed index), the entry's key it
# reads: an entry analysed before identity-jax-analyze kept that key leaves the rule pending)
LAYER_RULES = {
    "concave": (f"its trained error curve peaks at an inner layer, above both the input's and the "
                f"output's error by more than {COLLAPSE_NOISE} (two standard errors of an error rate "
                f"on the {COLLAPSE_TEST} test digits)", _concave, "collapse_trained"),
    "bottom improves": (f"its trained error averaged over layers 1-{BOTTOM_LAYERS} is below its own "
                        f"initialization's", _bottom_improves, "collapse_trained"),
    "useless beyond 6": (f"every layer from 7 on of its untrained net errs within {COLLAPSE_NOISE} "
                         f"of chance ({CHANCE_ERROR})", _useless_beyond_6, "collapse"),
    "upper half leans constant": ("its top half of layers alone, fed the patterns directly, "
                                  "correlates more with the training image (|corr|) than with the "
                                  "input, on average over the patterns (the regime rule's "
                                  "comparison, without its threshold)",
                                  _upper_half_leans_constant, "upper"),
}
UNTRAINED_PREFIX = "untrained_"  # analyses.json's untrained references ('untrained_convnet_20')
WEIGHT_CHANGE = "weight_change"  # the pseudo-suite of a trend over analyses.json's weight change


def _depths(prefix, depths):
  return tuple(f"{prefix}{d}" for d in depths)


_CONVNET_DEPTHS = _depths("c", (1, 3, 5, 8, 12, 16, 20, 24))
_FIG9 = ('App. F (Fig 9): "shallow ConvNets are able to learn the identity function ...; very deep '
         'ConvNets bias towards the constant function; ... intermediate depth correlate well with '
         'neither"')
_FIG9_READING = ("Shallow (up to 7 layers: Sec 3's 'up-to-5 hidden layers', the 7-layer net of Fig "
                 "12) learns the identity; intermediate (the 14-layer net of Fig 13, which 'fails to "
                 "learn the identity') neither; deep (the 20-layer net of Fig 14 and deeper) "
                 "constant; corr to identity falls with depth")
_MSE = ('App. I: "The figures here are plotted with the MSE metric ... Each corresponding pair of '
        'plots are overall consistent"')
_OPTIMIZERS = ('App. H.3 (Fig 30): "different optimizers find different global minimizers, and those '
               'minimizers show drastically different inductive biases on test examples"')
_PAPER_RATES = ("sgd_1e-02", "adam_1e-04", "rmsprop_1e-04", "adagrad_1e-03", "adamax_1e-03")
_SLOW_SGD = "SGD at the adaptive methods' rates, shown 'For comparison': the paper states nothing on it"
_SIZES_28 = (7, 14, 21, 28, 42, 56, 84, 112)
_FIG8 = ('App. E.3: "The linear and ReLU FCNs behave similarly ...: neither of them performs well '
         'for test images that are nearly orthogonal to x̂"')


CLAIMS = (
    Claim("A 1-layer linear net learns W = W0 + u x^T (eq. 1): off the training image it outputs "
          "random noise, neither identity nor constant", "Fig 2, App. D", "linear_closed_form",
          paper='Sec 2: "when the test example x is orthogonal to x̂, the prediction is completely '
                'random"',
          expect={"linear_bias": "neither", "linear_nobias": "neither"}, suite="rho_0.00"),
    Claim("Deeper linear FCNs tend to the constant map (1 hidden layer still like the convex case), "
          "at either width", "Fig 5, 8b", "linear_fcn_depth",
          paper='App. E.1: "as the depth increases, the model tends toward a constant function ... '
                'The depth ... has a stronger effect on the inductive bias than the width"',
          expect={"w784_h0": "neither", "w784_h1": "neither", "w2048_h1": "neither",
                  "w784_h9": "constant", "w2048_h9": "constant"},
          trends=(("rho_0.00", "corr_constant", +1, _depths("w784_h", (0, 1, 2, 3, 5, 9))),
                  ("rho_0.00", "corr_constant", +1, _depths("w2048_h", (1, 2, 3, 5, 9)))),
          suite="rho_0.00"),
    Claim("ReLU FCNs are constant from 3 hidden layers (App. G: they 'start to bias towards the "
          "constant function with only three hidden layers'); 1 hidden layer is like a linear net; "
          "more constant with depth", "Fig 7, 8a", "relu_fcn_depth",
          paper='App. E.3: "The deepest network encodes the constant map with high confidence; the '
                'shallowest network shows behavior similar to that of a linear net"',
          expect={"h1": "neither", "h3": "constant", "h5": "constant", "h9": "constant"},
          trends=(("patterns", "corr_constant", +1, ("h1", "h3", "h5", "h9")),)),
    Claim("2-layer ReLU net: the bottom layer alone gives noise (neither); both layers lean to the "
          "constant map", "Fig 6", "two_layer_relu",
          paper='App. E.2: "When only the first layer is trained, the tendency is toward speckled '
                'noise, but when both layers are trained, ... toward a constant output"',
          expect={"w2048_bottom": "neither", "w16384_bottom": "neither",
                  "w2048_both": "leans constant", "w16384_both": "leans constant"}),
    Claim("ConvNets at 32 channels: " + _FIG9_READING, "Fig 3a, 9", "convnet_depth", paper=_FIG9,
          expect={"c1": "identity", "c3": "identity", "c5": "identity", "c12": "neither",
                  "c20": "constant", "c24": "constant"},
          trends=(("patterns", "corr_identity", -1, _CONVNET_DEPTHS),)),
    Claim("The MSE view tells the same story: MSE to identity grows with depth", "Fig 33",
          "convnet_depth",
          paper=_MSE,
          trends=(("patterns", "mse_identity", +1, _CONVNET_DEPTHS),)),
    Claim("A 5-layer ConvNet trained at 28x28 stays the identity at larger inputs (42-112) and is "
          "not the identity at small ones (7, 14)", "Fig 18", "test_sizes",
          paper='App. H.1: "the learned identity map generally holds up against larger (than the '
                'training) input sizes. However, on small inputs, the predictions no longer match well"',
          expect={"c5@7": "not identity", "c5@14": "not identity", "c5@28": "identity",
                  **{f"c5@{s}": "identity" for s in (42, 56, 84, 112)}},
          left_out={"c5@21": "between the small inputs and the trained size; the paper shows no 21",
                    "c20": "the 20-layer net's sizes: the next row"}),
    Claim("A 20-layer ConvNet's constant map holds at inputs somewhat smaller than the trained "
          "28x28 (21) and at 28", "Fig 3b", "test_sizes",
          paper='Sec 3: "The learned constant map holds up for input dimensions slightly smaller ... '
                'than the trained image"',
          expect={"c20@21": "constant", "c20@28": "constant"},
          left_out={"c5": "the 5-layer net's sizes: the row above",
                    **{f"c20@{s}": "the paper says only 'smooth changes' (larger) or nothing "
                       "(much smaller)" for s in (7, 14, 42, 56, 84, 112)}}),
    Claim("At each training size, corr to identity falls and corr to constant rises with depth; at "
          "each depth, the smaller the image the lower corr to identity", "Fig 4a", "train_sizes",
          paper='Sec 3: "show more bias toward the constant function and less bias toward the '
                'identity function with increased network depth ... smaller input grids accentuate '
                'the effect"',
          trends=tuple(t for s in (7, 14, 28) for t in (
              ("patterns", "corr_identity", -1, _depths(f"s{s}_c", (1, 3, 5, 8, 12))),
              ("patterns", "corr_constant", +1, _depths(f"s{s}_c", (1, 3, 5, 8, 12)))))
          + tuple(("patterns", "corr_identity", +1, tuple(f"s{s}_c{d}" for s in (7, 14, 28)))
                  for d in (1, 3, 5, 8, 12))),
    Claim("A 5-layer net with 3 channels does not learn the identity; from 32 channels on it does "
          "(Sec 3: the 1,024-channel net 'does not seem to suffer from overfitting'); corr to "
          "identity rises with channels", "Fig 4b, 23", "channels",
          paper='App. H.3: "the 5-layer ConvNet fails to approximate the identity function when only '
                'three channels are used in each convolution layer"',
          expect={"ch3": "not identity", "ch32": "identity", "ch64": "identity", "ch128": "identity",
                  "ch256": "identity"},
          trends=(("patterns", "corr_identity", +1,
                   _depths("ch", (2, 3, 4, 8, 16, 32, 64, 128, 256))),)),
    Claim("3-channel ConvNets: beyond 8 layers they fail to fit; the 5- and 7-layer ones are edge "
          "detectors (neither identity nor constant)", "Fig 24", "channels3_depth",
          paper='App. H.3: "The 3-channel ConvNets beyond 8 layers fail to converge during training. '
                'The 5-layer and the 7-layer ConvNets implement functions biased towards edge-detecting"',
          expect={"c10": "unfit", "c12": "unfit", "c5": "neither", "c7": "neither"},
          left_out={"c3": "shown in Fig 24; the text states nothing about it",
                    "c4": "shown in Fig 24; the text states nothing about it",
                    "c6": "'very different biases': nothing testable",
                    "c8": "'very different biases': nothing testable"}),
    Claim("Larger filters blur the predictions (corr to identity falls with filter size); filters "
          "covering the whole input (57x57) turn the net to the constant map", "Fig 27, 28",
          "filter_size",
          paper='App. H.3: "predictions become more and more blurry as the filter sizes grow ... '
                'extremely large filter sizes that cover the whole inputs ... bias towards the '
                'constant function"',
          expect={"k5": "identity", "k57": "constant"},
          trends=(("patterns", "corr_identity", -1, ("k5", "k9", "k15", "k29", "k57")),)),
    Claim("Every initializer, ours included, gives the identity for 3-layer nets", "Fig 29",
          "initializers",
          paper='App. H.3: "All initialization schemes bias toward the identity function for shallow '
                'networks. But Kaiming init produces heavy artifacts on test predictions"',
          expect={f"{i}_c3": "identity" for i in ("torch_default", "paper_default", "xavier_normal",
                                                   "xavier_uniform", "kaiming_normal",
                                                   "kaiming_uniform")},
          left_out={f"{i}_c8": "8 layers: the next row" for i in (
              "torch_default", "paper_default", "xavier_normal", "xavier_uniform", "kaiming_normal",
              "kaiming_uniform")}),
    Claim("At 8 layers, Xavier (normal and uniform) reaches the paper's default init's verdict",
          "Fig 29", "initializers",
          paper='App. H.3: "For the bias towards the constant function in deep networks, Xavier init '
                'behaves similarly to the default init scheme"',
          same=(("paper_default_c8", "xavier_normal_c8", "xavier_uniform_c8"),),
          left_out={**{f"{i}_c3": "3 layers: the row above" for i in (
              "torch_default", "paper_default", "xavier_normal", "xavier_uniform", "kaiming_normal",
              "kaiming_uniform")},
                    "kaiming_normal_c8": "Kaiming's deep results are 'less interpretable'",
                    "kaiming_uniform_c8": "Kaiming's deep results are 'less interpretable'",
                    "torch_default_c8": "PyTorch's default is ours, not one of the paper's schemes"}),
    Claim("At 5 layers, the optimizers at the paper's rates do not all reach one verdict",
          "Fig 30", "optimizers", paper=_OPTIMIZERS, vary=(_PAPER_RATES,),
          left_out={"sgd_1e-03": _SLOW_SGD, "sgd_1e-04": _SLOW_SGD}),
    Claim("With 2-3 training images, a net that memorizes one image (the 3-hidden-layer FCN, "
          "constant in row 3) still memorizes", "Fig 34, 35", "multi_image",
          paper='App. J: "networks that are known to overfit to the constant map when trained with '
                'one example ... demonstrate similar overfitting behavior"',
          expect={"fcn_h3_k1": "constant", "fcn_h3_k2": "constant", "fcn_h3_k3": "constant"},
          left_out={"conv_c5_k1": "a net that learns the identity from one image: the paper states "
                                  "nothing on it with 2-3", "conv_c5_k2": "likewise",
                    "conv_c5_k3": "likewise", "conv_c5_many": "60k images: the next row",
                    "fcn_h3_many": "60k images: the next row"}),
    Claim("Trained on all of MNIST, the ConvNet learns the identity; the FCN does not on patterns "
          "(regime suite)", "Fig 1, 36", "multi_image",
          paper='App. J: "even the deepest convolutional networks we tried successfully learn the '
                'identity function. Fully connected networks ... cannot reconstruct meaningful '
                'results on other test patterns"',
          expect={"conv_c5_many": "identity", "fcn_h3_many": "not identity"},
          left_out={c: "2-3 images: the row above" for c in (
              "conv_c5_k1", "conv_c5_k2", "conv_c5_k3", "fcn_h3_k1", "fcn_h3_k2", "fcn_h3_k3")}),
    Claim("Biases do not change the verdict (our open question)", "-", "biases",
          same=(("conv_c3_bias", "conv_c3_nobias"), ("conv_c8_bias", "conv_c8_nobias"),
                ("fcn_h3_bias", "fcn_h3_nobias"))),
    Claim("The learned function does not depend on the schedule or the budget (ours: the evidence "
          "that a CPU budget stands in for 2M steps; paired seeds)", "-", "schedules",
          same=(tuple(f"c5_{s}_{n}" for s in ("paper", "compressed", "constant") for n in (2000, 6000)),
                tuple(f"c8_{s}_{n}" for s in ("paper", "compressed", "constant") for n in (2000, 6000)))),
    Claim("ConvNets at the paper's 128 channels: " + _FIG9_READING, "Fig 3a, 9", "convnet_depth128",
          paper=_FIG9,
          expect={"c5": "identity", "c12": "neither", "c20": "constant", "c24": "constant"},
          trends=(("patterns", "corr_identity", -1, _depths("c", (5, 8, 12, 16, 20, 24))),)),
    Claim("At 12 layers (where SGD at lr 0.01 learns the constant map at 32 channels), the "
          "optimizers at the paper's rates do not all reach one verdict", "Fig 30",
          "optimizers_deep", paper=_OPTIMIZERS, vary=(_PAPER_RATES,),
          left_out={"sgd_1e-03": _SLOW_SGD, "sgd_1e-04": _SLOW_SGD}),
    Claim("(ours, registered before its 32- and 64-channel cells ran) At 32 and 64 channels on the "
          "14x14 image, the regime boundaries stay where 8-16 channels put them: identity to 4 "
          "layers, neither at 6 and 8, constant from 10", "-", "phase_diagram",
          expect={f"d{d}_ch{ch}": r for ch in (32, 64) for d, r in (
              (1, "identity"), (2, "identity"), (3, "identity"), (4, "identity"), (6, "neither"),
              (8, "neither"), (10, "constant"), (12, "constant"))},
          left_out={f"d{d}_ch{ch}": "2-16 channels: measured before this hypothesis, read in the "
                    "phase table" for ch in (2, 3, 4, 8, 16) for d in (1, 2, 3, 4, 6, 8, 10, 12)}),
    Claim("The MSE view of linear FCNs tells the story of the correlations: MSE to the constant map "
          "falls with depth, at either width", "Fig 31", "linear_fcn_depth", paper=_MSE,
          trends=(("rho_0.00", "mse_constant", -1, _depths("w784_h", (0, 1, 2, 3, 5, 9))),
                  ("rho_0.00", "mse_constant", -1, _depths("w2048_h", (1, 2, 3, 5, 9)))),
          suite="rho_0.00"),
    Claim("The MSE view of ReLU FCNs: MSE to the constant map falls with depth", "Fig 32",
          "relu_fcn_depth", paper=_MSE,
          trends=(("patterns", "mse_constant", -1, ("h1", "h3", "h5", "h9")),)),
    Claim("(ours, registered before any run) Residual ConvNets stay the identity at every depth, "
          "1-24 convolutions, 16 channels, 14x14", "-", "residual_depth",
          expect={f"c{d}": "identity" for d in (1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24)}),
    Claim("(ours, registered before any run) Normalized plain ConvNets (GroupNorm) fit at every "
          "depth, 1-24 layers, 16 channels, 14x14; whether they turn constant is left open",
          "-", "normalized_depth",
          expect={f"c{d}": "fits" for d in (1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24)}),
    Claim("Representation collapse (32 channels): an untrained 20-layer net's layers from 7 on "
          "classify digits at chance; after training, each net's per-layer error peaks inside and "
          "falls towards the output", "Fig 10", "convnet_depth",
          paper='App. F: "at random initialization, the smoothing effect makes the representations '
                'beyond around layer 5-6 almost useless ... the curves generally form “concave” '
                'patterns"',
          layers={"untrained_convnet_20": ("useless beyond 6",),
                  **{c: ("concave",) for c in ("c3", "c5", "c8", "c12", "c16")}},
          left_out={"c1": "one layer: its curve has no inner layer",
                    "c20": "20 layers and deeper: the next row", "c24": "as c20"}),
    Claim("At 20 layers and deeper, training still lowers the bottom layers' error (layers 1-5, "
          "against the seed's own initialization)", "Fig 10", "convnet_depth",
          paper='App. F: "for the case of 20 layers, the curve shows that the bottom few layers do '
                'get small improvements in error rate"',
          layers={"c20": ("bottom improves",), "c24": ("bottom improves",)},
          left_out={c: "shallower than 20 layers: the row above" for c in (
              "c1", "c3", "c5", "c8", "c12", "c16")}),
    Claim("The deeper the net, the less its bottom layer's weights move in training (relative "
          "change of layer 1's kernel, mean over the analysed seeds)", "Fig 15", "convnet_depth",
          paper='App. G: "as the network architecture gets deeper, the distances at lower layers do '
                'become smaller"',
          trends=((WEIGHT_CHANGE, "layer_0", -1, _depths("c", (3, 5, 8, 12, 16, 20, 24))),),
          left_out={"c1": "its one layer is also its top layer"}),
    Claim("(ours, registered before any run) Plain 16-channel ConvNets on the 14x14 image, the "
          "reference for rows 25-26: identity to 4 layers, neither at 6 and 8, constant from 10 (the "
          "phase diagram's 16-channel row), and constant at 16-24 layers", "-", "plain_depth",
          expect={f"c{d}": r for d, r in ((1, "identity"), (2, "identity"), (3, "identity"),
                                           (4, "identity"), (6, "neither"), (8, "neither"),
                                           (10, "constant"), (12, "constant"), (16, "constant"),
                                           (20, "constant"), (24, "constant"))}),
    Claim("ReLU FCNs of every depth are not the identity on test images orthogonal to the training "
          "image (rho = 0)", "Fig 8a", "relu_fcn_depth", paper=_FIG8,
          expect={c: "not identity" for c in ("h1", "h3", "h5", "h9")}, suite="rho_0.00"),
    Claim("Linear FCNs of every depth and width are not the identity on test images orthogonal to "
          "the training image (rho = 0)", "Fig 8b", "linear_fcn_depth", paper=_FIG8,
          expect={c: "not identity" for c in _depths("w784_h", (0, 1, 2, 3, 5, 9))
                  + _depths("w2048_h", (1, 2, 3, 5, 9))}, suite="rho_0.00"),
    Claim("(ours, registered before its run, after residual_depth diverged at 16-24 layers under "
          "SGD) Under Adam at 1e-4, residual ConvNets of 8-24 layers fit and stay the identity",
          "-", "residual_depth_adam",
          expect={f"c{d}": "identity" for d in (8, 12, 16, 20, 24)}),
    Claim("(ours, registered before its run) SGD at the adaptive methods' rates (1e-3, 1e-4) on "
          "the 5-layer net fits at budgets scaled from SGD 1e-2's fit step; their regimes are "
          "reported beside the paper's rates (row 13)", "Fig 30", "optimizers_slow_sgd",
          paper=_OPTIMIZERS, expect={"sgd_1e-03": "fits", "sgd_1e-04": "fits"}),
    Claim("The deep nets (9-hidden-layer FCN, 20-layer ConvNet) memorize 2 and 3 images as they do "
          "one, at 14x14 and 16 channels (28x28 and 128 channels are out of reach here; ours: "
          "registered before its run)", "Fig 34, 35", "multi_image_deep",
          paper='App. J: "networks that are known to overfit to the constant map when trained with '
                'one example ... demonstrate similar overfitting behavior"',
          expect={f"{m}_k{k}": "constant" for m in ("fcn_h9", "conv_c20") for k in (1, 2, 3)}),
    Claim("(ours, registered before its run) The 28x28 column at 32 channels, where plain nets "
          "lose seeds (convnet_depth): residual ConvNets are not the identity at 12 layers and "
          "diverge under the paper's SGD at 16 and 20 layers, as on the 14x14 image", "-",
          "residual_depth28", expect={"c12": "not identity", "c16": "unfit", "c20": "unfit"}),
    Claim("(ours, registered before its run) The 28x28 column at 32 channels: normalized ConvNets "
          "fit at 12, 16 and 20 layers, where plain nets lose seeds (convnet_depth), and learn the "
          "constant map at 16 and 20 layers; the 12-layer regime is left open", "-",
          "normalized_depth28", expect={"c12": "fits", "c16": "constant", "c20": "constant"}),
    Claim("As for ConvNets (row 29): the deeper the linear FCN, the less its bottom layer's weights "
          "move in training (relative change of layer 1's kernel), at either width", "Fig 16",
          "linear_fcn_depth",
          paper='App. G: "In Figure 16 and Figure 17, we show the same plots for linear FCNs and '
                'FCNs with ReLU activation"',
          trends=((WEIGHT_CHANGE, "layer_0", -1, _depths("w784_h", (1, 2, 3, 5, 9))),
                  (WEIGHT_CHANGE, "layer_0", -1, _depths("w2048_h", (1, 2, 3, 5, 9)))),
          left_out={"w784_h0": "no hidden layer: its one layer is also its top layer"}),
    Claim("The deeper the ReLU FCN, the less its bottom layer's weights move in training (relative "
          "change of layer 1's kernel)", "Fig 17", "relu_fcn_depth",
          paper='App. G: "especially for ReLU FCN with 11 hidden layers, the distances for the '
                'weight tensors at the lower 5 layers are near zero"',
          trends=((WEIGHT_CHANGE, "layer_0", -1, ("h1", "h3", "h5", "h9")),)),
    Claim("(ours, registered before its run, after row 33) Plain 16-channel ConvNets under Adam at "
          "1e-4 still memorize: constant at 16, 20 and 24 layers, where residual nets under Adam "
          "are neither", "-", "plain_depth_adam",
          expect={"c16": "constant", "c20": "constant", "c24": "constant"},
          left_out={c: "left open (optimizers_deep's 12-layer nets under Adam split between "
                    "constant and neither): read in the cells table" for c in ("c8", "c12")}),
    Claim("The 20-layer net's upper half alone already draws the training image: its top 10 layers, "
          "fed the patterns directly, lean to the '7' (16 channels, 14x14: plain_depth keeps the "
          "parameters; convnet_depth's 32-channel 28x28 ones are not kept)", "Fig 22",
          "plain_depth",
          paper='App. H.2: "the 20-layer ConvNet is already starting to construct the digit “7” from '
                'nowhere when using only the upper half of the model"',
          layers={"c20": ("upper half leans constant",)},
          left_out={f"c{d}": "the paper says this of its 20-layer net only"
                    for d in (1, 2, 3, 4, 6, 8, 10, 12, 16, 24)}),
    Claim("(ours, registered before its run, after row 35's 20-layer ConvNets on 2-3 images ended "
          "dead at 20,000 steps with losses still moving) With 60,000 steps, the 20-layer ConvNet "
          "fits 2 and 3 images and memorizes them (14x14, 16 channels)", "Fig 34, 35",
          "multi_image_deep_long",
          paper='App. J: "networks that are known to overfit to the constant map when trained with '
                'one example ... demonstrate similar overfitting behavior"',
          expect={"conv_c20_k2": "constant", "conv_c20_k3": "constant"}),
    Claim("The MSE view at the paper's 128 channels: MSE to identity grows with depth (the paper's "
          "claim, added after the study ran; row 6 reads it at 32 channels)", "Fig 33",
          "convnet_depth128", paper=_MSE,
          trends=(("patterns", "mse_identity", +1, _depths("c", (5, 8, 12, 16, 20, 24))),)),
)


# Paired comparisons: study -> (reference cell -> the cells compared with it seed by seed).
PAIRED = {"schedules": {f"c{d}_paper_6000": tuple(f"c{d}_{s}_{n}" for s in ("paper", "compressed",
                                                                            "constant")
                                                  for n in (2000, 6000) if (s, n) != ("paper", 6000))
                        for d in (5, 8)}}


@dataclasses.dataclass(frozen=True)
class StudyRecord:
  """What claims and RESULTS.md's tables read of one study directory (results/<study>/ or a workdir):
  its summary.json (typed), per-seed rows, config and least_loss.json, and per cell the config it
  trained with and the step it stopped at, resumed runs included (summary.json's timing is the last
  run's)."""
  summary: summary_lib.StudySummary
  rows: list = ()                                           # per_seed.jsonl
  config: dict = dataclasses.field(default_factory=dict)      # config.json
  least_loss: dict = dataclasses.field(default_factory=dict)  # least_loss.json, where it applies
  steps_run: dict = dataclasses.field(default_factory=dict)   # cell -> result.json's steps_run
  cell_configs: dict = dataclasses.field(default_factory=dict)  # cell -> result.json's config
  # cell -> input size -> the verdict of its fitted seeds' regimes at that size (metrics.test_sizes)
  size_verdicts: dict = dataclasses.field(default_factory=dict)
  # cell -> the step each dead seed's training loss froze at (None: not recorded by its run)
  dead_frozen_at: dict = dataclasses.field(default_factory=dict)
  analyses: dict = dataclasses.field(default_factory=dict)  # analyses.json, where it was run

  @property
  def cells(self) -> dict:
    """Cell name -> its CellSummary."""
    return self.summary.cells

  @property
  def suite(self) -> str:
    """The study's regime suite."""
    return self.summary.rule.suite


def load(results_dir) -> dict:
  """study -> its StudyRecord, for every results/<study>/."""
  root = pathlib.Path(results_dir)
  return {p.parent.name: load_study_dir(p.parent) for p in sorted(root.glob("*/" + paths.SUMMARY))}


def load_study_dir(directory) -> StudyRecord:
  directory = pathlib.Path(directory)
  summary = workdir.read_json(directory / paths.SUMMARY)
  rows = directory / paths.PER_SEED
  try:
    rows = [json.loads(l) for l in rows.read_text().splitlines()] if rows.is_file() else []
  except ValueError as e:
    raise workdir.corrupt(directory / paths.PER_SEED, f"is not valid JSON lines ({e})") from None
  config, least = directory / paths.CONFIG, directory / paths.LEAST_LOSS
  analyses = directory / paths.ANALYSES
  results = {p.parent.name: workdir.read_json(p)
             for p in sorted(directory.glob(f"{paths.CELLS}/*/{paths.RESULT}"))}
  for name, r in results.items():
    if not (isinstance(r, dict) and "steps_run" in r and "config" in r):
      raise workdir.corrupt(paths.cell_dir(directory, name) / paths.RESULT,
                            "is not a cell's result (no steps_run or config)")
  try:
    typed = summary_lib.StudySummary.from_json(summary)
  except (KeyError, TypeError, AttributeError) as e:
    raise workdir.corrupt(directory / paths.SUMMARY, f"is not a study's summary ({e!r})") from None
  return StudyRecord(
      summary=typed, rows=rows, config=workdir.read_json(config) if config.is_file() else {},
      least_loss=workdir.read_json(least) if least.is_file() else {},
      analyses=workdir.read_json(analyses) if analyses.is_file() else {},
      steps_run={name: r["steps_run"] for name, r in results.items()},
      cell_configs={name: r["config"] for name, r in results.items()},
      size_verdicts={name: _size_verdicts(name, r, typed) for name, r in results.items()
                     if name in typed.cells},
      dead_frozen_at={name: [seed.get("loss_frozen_at") for seed in r.get("seeds", [])
                             if seed.get("status") == regime.DEAD] for name, r in results.items()})


def _size_verdicts(name: str, result: dict, summary: summary_lib.StudySummary) -> dict:
  """Input size -> the verdict of the cell's fitted seeds' regimes at that size, under the study's
  rule (a result.json seed's test_sizes: size -> suite -> metric)."""
  seeds = result.get("seeds", [])
  sizes = seeds[0].get("test_sizes", {}) if seeds else {}
  counts = summary.cells[name].status_counts
  out = {}
  for size in sizes:
    regimes = [summary.rule.of_seed(s["status"], s["test_sizes"][size]) for s in seeds]
    out[size] = stats.verdict(counts, stats.regime_shares([r for r in regimes if r]))
  return out


def _spearman(values) -> float:
  ranks = np.argsort(np.argsort(values))
  order = np.arange(len(values))
  if np.std(ranks) == 0:
    return 0.0
  return float(np.corrcoef(ranks, order)[0, 1])


def out_of_reach(name: str, study: StudyRecord) -> str:
  """'k cannot fit at any budget' when the study's least_loss.json puts k of the cell's seeds'
  least reachable loss above the fit tolerance, else ''."""
  seeds = study.least_loss.get(name, {}).get("seeds", [])
  k = sum(not r["reachable"] for r in seeds)
  return f"{k} cannot fit at any budget" if k else ""


def seed_rows(name: str, study: StudyRecord, status: str, suite: str = "") -> list:
  """Cell `name`'s per_seed.jsonl rows on `suite` (default: the study's regime suite), of the seeds
  with `status`."""
  suite = suite or study.suite
  return [r for r in study.rows if r["cell"] == name and r["suite"] == suite and r["status"] == status]


def cell_verdict(name: str, study: StudyRecord, suite: str = "") -> tuple[str, dict]:
  """(verdict, regime shares) of cell `name`, its fitted seeds' regimes read on `suite` by the
  study's rule (default: the regime suite, the summary's)."""
  cell = study.cells[name]
  if not suite or suite == study.suite:
    return cell.verdict, cell.regimes
  rule = study.summary.rule
  shares = stats.regime_shares([rule.classify(r["corr_identity"], r["corr_constant"])
                                for r in seed_rows(name, study, regime.FITTED, suite)])
  return stats.verdict(cell.status_counts, shares), shares


def flat_cosines(name: str, study: StudyRecord) -> list:
  """The cosine with the training image of each dead seed's output in cell `name`, on the regime
  suite, ascending. A dead seed's output is one fixed image whatever the input, so this says which:
  near 1, the training image itself (a constant-function net still closing in on it, which more
  steps may fit); lower, an image unlike it (at the lowest, a uniform image: nothing of the training
  image learned)."""
  return sorted(r["cos_constant"] for r in seed_rows(name, study, regime.DEAD))


def borderline(cell: summary_lib.CellSummary, study: StudyRecord, suite: str = "") -> bool:
  """Whether the fitted seeds' mean corr to identity, or |mean corr to constant|, has a t interval
  holding the regime threshold. Seeds there fall on either side of it by small margins (a rerun in
  another summation order moved one across), so the cell's regime share says less than the mean
  and its interval; the verdict rule is unchanged, the cell is named."""
  if cell.verdict not in cell.regimes:  # inconclusive or split: nothing to qualify
    return False
  suite = suite or study.suite
  return study.summary.rule.near_threshold(cell.stat(suite, "corr_identity"),
                                           cell.stat(suite, "corr_constant"))


def judge(claim: Claim, studies: dict) -> str:
  """The claim's verdict from the studies' StudyRecords (see the module docstring)."""
  verdict = _judge(claim, studies)
  if verdict.startswith(("pending", "reported")):
    return verdict
  study = studies[claim.study]
  regime_cells = cells_of(dataclasses.replace(  # fitting and layer rules do not rest on regimes
      claim, layers={}, expect={k: v for k, v in claim.expect.items() if v not in ("fits", "unfit")},
      trends=tuple(t for t in claim.trends if t[0] != WEIGHT_CHANGE)))
  edge = [c for c in regime_cells if borderline(study.cells[c], study, claim.suite)]
  return verdict + (f"; borderline: {', '.join(edge)}" if edge else "")


def _cell_name(key: str) -> str:
  return key.split("@")[0]


def _judge(claim: Claim, studies: dict) -> str:
  if claim.study not in studies:
    return "pending: not yet run under the current rules"
  study = studies[claim.study]
  cells = study.cells
  missing = sorted(c for c in cells_of(claim) if c not in cells)
  if missing:
    blocks = study.summary.partial  # trained in blocks of seeds, not all yet
    return "pending: cells " + ", ".join(
        c + (f" ({summary_lib.seeds_held(blocks[c])} so far)" if c in blocks else "")
        for c in missing) + " not in results"
  unanalysed = [c for c in list(claim.layers) + _weight_trend_cells(claim)
                if c not in study.analyses and (c.startswith(UNTRAINED_PREFIX)
                                                or cells[c].fitted_share >= MIN_FITTED_SHARE)]
  if unanalysed:
    return f"pending: {', '.join(unanalysed)} not in analyses.json (run identity-jax-analyze)"
  older = [f"{c} ({LAYER_RULES[r][2]})" for c, rules in claim.layers.items() for r in rules
           if c in study.analyses and LAYER_RULES[r][2] not in study.analyses[c]]
  if older:
    return (f"pending: {', '.join(older)} analysed before analyses.json kept that "
            "(rerun identity-jax-analyze)")
  differs, unsure = [], []
  thin = lambda c: cells[c].fitted_share < MIN_FITTED_SHARE
  verdict = lambda c: cell_verdict(c, study, claim.suite)[0]
  why = lambda c: ", ".join(filter(None, (
      f"{c} fitted {cells[c].fitted}/{cells[c].seeds}", out_of_reach(c, study))))
  def doubt(text):
    if text not in unsure:
      unsure.append(text)
  for key, want in claim.expect.items():
    c = _cell_name(key)
    if want == "unfit":
      unfit = cells[c].seeds - cells[c].fitted
      lo, hi = stats.wilson(unfit, cells[c].seeds)
      share = f"{c} did not fit {unfit}/{cells[c].seeds} [{lo:.2f}, {hi:.2f}]"
      if cells[c].fitted_share >= 0.5:
        differs.append(share)
      elif unfit < MIN_FITTED_SHARE * cells[c].seeds:
        doubt(share)
      continue
    if want == "fits":
      lo, hi = stats.wilson(cells[c].fitted, cells[c].seeds)
      share = f"{c} fitted {cells[c].fitted}/{cells[c].seeds} [{lo:.2f}, {hi:.2f}]"
      if cells[c].fitted_share < 0.5:
        differs.append(share)
      elif thin(c):
        doubt(share)
      continue
    if thin(c):
      doubt(why(c))
      continue
    if want.startswith("leans "):
      lean = _lean(c, want.split()[1], study, claim.suite)
      if lean is None:
        doubt(f"{c} leans neither way by its t interval")
      elif not lean:
        differs.append(f"{key} leans the other way")
      continue
    got = _verdict_of(key, study, claim.suite)
    negated = want.startswith("not ")
    if got in ("split", "inconclusive"):
      doubt(f"{key} {got}")
    elif negated and got == want[4:]:
      differs.append(f"{key} {got}, expected {want}")
    elif not negated and got != want:
      differs.append(f"{key} {got}, not {want}")
  for key, rules in claim.layers.items():
    if not key.startswith(UNTRAINED_PREFIX) and thin(key):
      doubt(why(key))
      continue
    for rule in rules:
      passed, seeds = layer_passes(key, rule, study)
      lo, hi = stats.wilson(passed, seeds)
      share = f"{key} {rule} {passed}/{seeds} [{lo:.2f}, {hi:.2f}]"
      if passed < 0.5 * seeds:
        differs.append(share)
      elif passed < MIN_FITTED_SHARE * seeds:
        doubt(share)
  for suite, metric, sign, order in claim.trends:
    value = lambda c: trend_value(study, suite, metric, c)
    usable = [c for c in order if not thin(c) and value(c) is not None]
    for c in order:
      if thin(c):
        doubt(why(c))
    if len(usable) >= MIN_TREND_CELLS:
      rho = _spearman([value(c) for c in usable])
      if sign * rho < TREND_RHO:
        differs.append(f"{metric} trend over {', '.join(usable)}: Spearman {rho:+.2f}")
    else:
      doubt(f"{metric} trend: only {len(usable)} cells with >= {MIN_FITTED_SHARE:.0%} fitted")
  for group in claim.same:
    usable = [c for c in group if not thin(c)]
    for c in group:
      if thin(c):
        doubt(why(c))
    verdicts = sorted({verdict(c) for c in usable})
    if len(verdicts) > 1:
      differs.append(" vs ".join(f"{c} {verdict(c)}" for c in usable))
  for group in claim.vary:
    usable = [c for c in group if not thin(c)]
    verdicts = sorted({verdict(c) for c in usable})
    if len(verdicts) > 1:
      continue  # shown to differ, whatever the thin cells would read
    if len(usable) < len(group):  # a thin cell could still differ
      for c in group:
        if thin(c):
          doubt(why(c))
    else:
      differs.append(f"{', '.join(usable)} all {verdicts[0]}")
  if not (claim.expect or claim.trends or claim.same or claim.vary or claim.layers):
    return "reported"
  if differs:
    return "differs: " + "; ".join(differs) + (f" (inconclusive: {'; '.join(unsure)})" if unsure else "")
  if unsure:
    return "inconclusive: " + "; ".join(unsure)
  return "agrees"


def layer_passes(key: str, rule: str, study: StudyRecord) -> tuple[int, int]:
  """(seeds passing LAYER_RULES[rule], seeds analysed) of analyses.json's entry `key`."""
  entry = study.analyses[key]
  seeds = len(entry["collapse"] if key.startswith(UNTRAINED_PREFIX) else entry["seeds"])
  return sum(bool(LAYER_RULES[rule][1](entry, i)) for i in range(seeds)), seeds


def _weight_trend_cells(claim: Claim) -> list:
  return [c for suite, _, _, order in claim.trends if suite == WEIGHT_CHANGE for c in order]


def trend_value(study: StudyRecord, suite: str, metric: str, cell: str) -> float | None:
  """A trend's value at a cell: the fitted seeds' mean of `metric` on `suite`, or on the pseudo-suite
  WEIGHT_CHANGE the analysed seeds' mean relative change of layer `metric`'s kernel."""
  if suite == WEIGHT_CHANGE:
    return float(np.mean(study.analyses[cell]["weight_change"][metric]["kernel"]))
  return study.cells[cell].mean(suite, metric)


def _verdict_of(key: str, study: StudyRecord, suite: str = "") -> str:
  """The verdict of a cell on `suite`, or of a cell's fitted seeds at a test input size ('c5@7')."""
  c, _, size = key.partition("@")
  return study.size_verdicts[c][size] if size else cell_verdict(c, study, suite)[0]


def _lean(cell: str, pole: str, study: StudyRecord, suite: str = "") -> bool | None:
  """Whether the cell's fitted seeds lean to `pole` ('constant' | 'identity'): per seed, that pole's
  correlation minus the other's on the regime suite (|corr to constant|, as the regime rule reads it),
  its t interval above 0 (True) or below 0 (False); None when it holds 0 or there is none."""
  rows = seed_rows(cell, study, regime.FITTED, suite)
  sign = 1 if pole == "constant" else -1
  diff = stats.summarize([sign * (abs(r["corr_constant"]) - r["corr_identity"]) for r in rows])
  if diff["ci95_low"] is None or diff["ci95_low"] <= 0 <= diff["ci95_high"]:
    return None
  return diff["ci95_low"] > 0


def cells_of(claim: Claim) -> list:
  """The study cells the claim tests, in the order it names them (a 'cell@size' key names its cell)."""
  order = [_cell_name(k) for k in claim.expect] + \
      [k for k in claim.layers if not k.startswith(UNTRAINED_PREFIX)] + \
      [c for _, _, _, cells in claim.trends for c in cells] + \
      [c for group in claim.same + claim.vary for c in group]
  return list(dict.fromkeys(order))


PAPER_FIGURES = range(1, 37)
# Figures no claim row tests, or parts of tested figures not run here: why, and what it would take.
# Costs are the 2-core CPU's, by analogy with cells whose cost the cost table gives.
NOT_RUN = {
    1: "the 20-layer ConvNet and 10-layer FCN on 60k images: the paper preset of `multi_image` (a GPU "
       "job; its 5-layer ConvNet on 2,500 digits is row 17)",
    4: "512 and 1,024 channels (Fig 4b): a GPU job (the 256-channel cell already took the longest of "
       "`channels`; each doubling of channels quadruples a step)",
    8: "ReLU against linear FCNs on the constant side ('ReLU FCNs overfit sooner than linear FCNs "
       "when the depth increases'): a comparison across two studies, which no rule reads; "
       "heatmap_corr.png of each draws every rho column from results/",
    11: "intermediate layers as images: drawn by identity-jax-analyze (layers_<cell>.png, minutes); "
        "pictures, no statistic to test",
    12: "as Fig 11 (the 7-layer net's layers)",
    13: "as Fig 11 (the 14-layer net's layers)",
    14: "as Fig 11 (the 20-layer net's layers)",
    19: "the 20-layer net's layers at other input sizes: layers_<cell>.png draws a 2x input; the "
        "20-layer cells fit too few seeds to read (rows 5, 8)",
    20: "the top layer alone fed test patterns (upper_<cell>.png; each seed's correlations to the "
        "input and to the training image in analyses.json's `upper`): 'a clear distinction can be "
        "found at 15-layer ConvNet' names no measure that a rule could read without guessing it",
    21: "as Fig 20 (top two layers)",
    25: "3 vs 128 channels at initialization, layer by layer: `identity-jax-analyze --cells=ch3,ch128` "
        "on `channels` draws them (layers_<cell>.png, init beside trained), retraining both cells "
        "(~50 min, 48 of them the 128-channel one); 'behave more smoothly' names no measure that a "
        "rule could read without guessing it",
    26: "as Fig 25, after training (the same command draws both)",
    34: "at the paper's 28x28 and 128 channels: a GPU job (the paper preset of `multi_image_deep`; "
        "row 35 runs the deep nets at 14x14 and 16 channels)",
    35: "as Fig 34, on 3 images",
    36: "the deep nets on 60k images: the paper preset of `multi_image` (a GPU job)",
}


def figures_of(claim: Claim) -> list[int]:
  """The paper's figure numbers a claim tests, from its `figure` ('Fig 3a, 9', 'Fig 27, 28')."""
  out = []
  for part in claim.figure.replace("Fig", "").split(","):
    part = part.strip()
    if not part[:1].isdigit():  # '-': our own claim; 'App. D'
      continue
    if "-" in part:
      lo, hi = part.split("-")
      out += range(int(lo), int(hi) + 1)
    else:
      out.append(int("".join(ch for ch in part if ch.isdigit())))
  return out
