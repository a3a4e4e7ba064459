"""Layer-wise analyses of trained networks (Appendices F, G, H), as functions over parameters.

Each takes a model and one seed's parameters (or parameters with a leading seed axis where it says so)
and returns arrays; run.py runs them over a workdir's cells, figures.py draws their figures.
  closed_form      closed forms the tests and reachable.py check training against
  representations  representation collapse per layer: the averaging classifier (Fig 10, App. F)
  layer_views      intermediate layers as images (Fig 11-14, 19)
  weights          relative l2 distance from init per layer (Fig 15-17, App. G)
  probes           upper subnetworks fed test patterns directly (Fig 20-22, App. H.2), and
                   predictions at other input sizes (Fig 3b, 18)
  reachable        whether a cell could fit at all: the least loss its trainable parameters
                   reach, where a closed form gives it (Fig 6's bottom-layer-only nets)
"""
